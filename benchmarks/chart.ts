/**
 * `tsx benchmarks/chart.ts FIGURES.json OUT.svg`: draws the gateway figures that
 * `pnpm bench --json FIGURES.json` wrote as a bar chart.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { type ChartRow, gatewayChartSvg } from './lib/gateway-chart.js'

const [input, output] = process.argv.slice(2)
if (!input || !output) {
  process.stderr.write('usage: tsx benchmarks/chart.ts FIGURES.json OUT.svg\n')
  process.exit(2)
}
const document = JSON.parse(readFileSync(input, 'utf8')) as {
  benchmarks?: { gateway?: { rows?: ChartRow[]; machine?: string; command?: string } }
}
const gateway = document.benchmarks?.gateway
if (!gateway?.rows) {
  process.stderr.write(
    `${input} holds no gateway figures: run pnpm bench gateway --json ${input}\n`,
  )
  process.exit(1)
}
writeFileSync(output, gatewayChartSvg(gateway.rows, `${gateway.command} · ${gateway.machine}`))
process.stderr.write(`chart written to ${output}\n`)
