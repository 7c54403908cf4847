/**
 * `pnpm bench gateway|workers [options]`: one benchmark per call, each starting and stopping
 * everything it needs. Not part of `pnpm test`: numbers belong here, not in assertions.
 */
import { PrerequisiteError } from '@shop/platform/local-infra'
import { runGatewayBenchmark } from './gateway.js'
import { runIntakeBenchmark } from './intake.js'
import { UsageError } from './lib/options.js'
import { MissingToolError } from './lib/wrk.js'
import { runPipelineBenchmark } from './pipeline.js'
import { runWorkersBenchmark } from './workers.js'

const BENCHMARKS: Record<string, (argv: string[]) => Promise<unknown>> = {
  gateway: runGatewayBenchmark,
  intake: runIntakeBenchmark,
  pipeline: runPipelineBenchmark,
  workers: runWorkersBenchmark,
}

const [name = '', ...rest] = process.argv.slice(2)
const benchmark = BENCHMARKS[name]
if (!benchmark) {
  process.stderr.write(`usage: pnpm bench ${Object.keys(BENCHMARKS).join('|')} [options]\n`)
  process.exit(2)
}
try {
  await benchmark(rest)
  process.exit(0)
} catch (error) {
  const oneLine =
    error instanceof UsageError ||
    error instanceof MissingToolError ||
    error instanceof PrerequisiteError
  process.stderr.write(
    `bench ${name}: ${oneLine ? (error as Error).message : ((error as Error).stack ?? error)}\n`,
  )
  process.exit(1)
}
