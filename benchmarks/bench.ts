/**
 * `pnpm bench [NAME] [options] [--baseline REF [--rounds N]] [--json FILE]`: one benchmark, or
 * every one in turn, each starting and stopping everything it needs. Not part of `pnpm test`:
 * numbers belong here, not in assertions. With `--json`, every figure goes to FILE under its
 * benchmark's name. With `--baseline`, rounds of the working tree and of REF alternate
 * (lib/baseline/compare.ts), for the benchmarks that can run another tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrerequisiteError } from '@shop/platform/local-infra'
import { runGatewayBenchmark } from './gateway.js'
import { runIntakeBenchmark } from './intake.js'
import { compareWithBaseline } from './lib/baseline/compare.js'
import {
  gatewayMetrics,
  intakeMetrics,
  type Metrics,
  memoryMetrics,
  pipelineMetrics,
} from './lib/baseline/metrics.js'
import { machineLine } from './lib/machine.js'
import { parseNumberOptions, UsageError } from './lib/options.js'
import type { Side } from './lib/side.js'
import { MissingToolError } from './lib/wrk.js'
import { runMemoryBenchmark } from './memory.js'
import { runPipelineBenchmark } from './pipeline.js'
import { runQueueMemoryBenchmark } from './queue-memory.js'
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
}

const USAGE =
  `usage: pnpm bench [${Object.keys(BENCHMARKS).join('|')}] [options] ` +
  '[--baseline REF [--rounds N]] [--json FILE]'
const DEFAULT_ROUNDS = 5

/** `--NAME VALUE` taken out of `rest`, wherever it is. */
function takeOption(rest: string[], name: string) {
  const at = rest.indexOf(`--${name}`)
  if (at === -1) return undefined
  const value = rest[at + 1]
  if (!value || value.startsWith('--')) throw new UsageError(`--${name} needs a value; ${USAGE}`)
  rest.splice(at, 2)
  return value
}

/**
 * `--json FILE` and `--baseline REF` from anywhere in the arguments, with `--rounds N` the
 * comparison's when there is a baseline; the rest go to the benchmark.
 */
function parseArguments(argv: string[]) {
  const rest = [...argv]
  const json = takeOption(rest, 'json')
  const ref = takeOption(rest, 'baseline')
  const rawRounds = ref === undefined ? undefined : takeOption(rest, 'rounds')
  const baseline =
    ref === undefined
      ? undefined
      : {
          ref,
          rounds: parseNumberOptions(rawRounds ? ['--rounds', rawRounds] : [], USAGE, {
            rounds: { default: DEFAULT_ROUNDS, min: 1, max: 50 },
          }).rounds,
        }
  const comparable = (name: string) => baseline === undefined || BENCHMARKS[name]?.metrics
  const [first = ''] = rest
  if (first === '' || first.startsWith('-')) {
    if (first !== '') throw new UsageError(`options need a benchmark name; ${USAGE}`)
    return { names: Object.keys(BENCHMARKS).filter(comparable), options: [], json, baseline }
  }
  if (!BENCHMARKS[first]) throw new UsageError(`no benchmark named ${first}; ${USAGE}`)
  if (!comparable(first)) {
    throw new UsageError(`${first} cannot be compared with a baseline; ${USAGE}`)
  }
  return { names: [first], options: rest.slice(1), json, baseline }
}

function isOneLine(error: unknown) {
  return (
    error instanceof UsageError ||
    error instanceof MissingToolError ||
    error instanceof PrerequisiteError
  )
}

let names: string[] = []
try {
  const parsed = parseArguments(process.argv.slice(2))
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
