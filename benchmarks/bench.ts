/**
 * `pnpm bench [NAME] [options] [--baseline REF [--rounds N]] [--json FILE]`: one benchmark, or
 * every one in turn, each starting and stopping everything it needs. Not part of `pnpm test`:
 * numbers belong here, not in assertions. With `--json`, every figure goes to FILE under its
 * benchmark's name. With `--baseline`, rounds of the working tree and of REF alternate
 * (lib/baseline/compare.ts), for the benchmarks that can run another tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrerequisiteError } from '@shop/local-infra'
import { runGatewayBenchmark } from './gateway.js'
import { runIntakeBenchmark } from './intake.js'
import { parseBenchArguments } from './lib/arguments.js'
import { compareWithBaseline } from './lib/baseline/compare.js'
import {
  gatewayMetrics,
  intakeMetrics,
  type Metrics,
  memoryMetrics,
  pipelineMetrics,
} from './lib/baseline/metrics.js'
import { machineLine } from './lib/machine.js'
import { UsageError } from './lib/options.js'
import type { Side } from './lib/side.js'
import { MissingToolError } from './lib/wrk.js'
import { runMemoryBenchmark } from './memory.js'
import { runPipelineBenchmark } from './pipeline.js'
import { runQueueMemoryBenchmark } from './queue-memory.js'
import { runSignInBenchmark } from './sign-in.js'
import { runWorkersBenchmark } from './workers.js'

/**
 * Prints its tables and returns its figures as plain data. Given a side, it is one round of a
 * baseline comparison: it measures that side once and prints nothing.
 */
type Benchmark = (argv: string[], side?: Side) => Promise<unknown>

/** Registered with one line each; `metrics` for those that can be compared with a baseline. */
const BENCHMARKS: Record<string, { run: Benchmark; metrics?: Metrics }> = {
  gateway: { run: runGatewayBenchmark, metrics: gatewayMetrics },
  intake: { run: runIntakeBenchmark, metrics: intakeMetrics },
  pipeline: { run: runPipelineBenchmark, metrics: pipelineMetrics },
  memory: { run: runMemoryBenchmark, metrics: memoryMetrics },
  workers: { run: runWorkersBenchmark },
  'queue-memory': { run: runQueueMemoryBenchmark },
  'sign-in': { run: runSignInBenchmark },
}

const USAGE =
  `usage: pnpm bench [${Object.keys(BENCHMARKS).join('|')}] [options] ` +
  '[--baseline REF [--rounds N]] [--json FILE]'
function isOneLine(error: unknown) {
  return (
    error instanceof UsageError ||
    error instanceof MissingToolError ||
    error instanceof PrerequisiteError
  )
}

let names: string[] = []
try {
  const parsed = parseBenchArguments(
    process.argv.slice(2),
    {
      names: Object.keys(BENCHMARKS),
      comparable: Object.keys(BENCHMARKS).filter((name) => BENCHMARKS[name]?.metrics),
    },
    USAGE,
  )
  names = parsed.names
  const figures: Record<string, unknown> = {}
  for (const name of names) {
    if (names.length > 1) process.stderr.write(`\n== pnpm bench ${name} ==\n`)
    const { run, metrics } = BENCHMARKS[name] as { run: Benchmark; metrics?: Metrics }
    const { baseline } = parsed
    figures[name] =
      (baseline && metrics
        ? await compareWithBaseline({ name, argv: parsed.options, ...baseline, run, metrics })
        : await run(parsed.options)) ?? {}
    if (parsed.json) {
      // Written after each benchmark, so a later failure keeps the figures measured so far.
      mkdirSync(dirname(parsed.json), { recursive: true })
      const document = { machine: machineLine(), benchmarks: figures }
      writeFileSync(parsed.json, `${JSON.stringify(document, null, 2)}\n`)
    }
  }
  if (parsed.json) process.stderr.write(`figures written to ${parsed.json}\n`)
  process.exit(0)
} catch (error) {
  const what = names.length === 1 ? `bench ${names[0]}` : 'bench'
  const message = isOneLine(error)
    ? (error as Error).message
    : ((error as Error).stack ?? String(error))
  process.stderr.write(`${what}: ${message}\n`)
  process.exit(isOneLine(error) && error instanceof UsageError ? 2 : 1)
}
