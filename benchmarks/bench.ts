/**
 * `pnpm bench [NAME] [options] [--json FILE]`: one benchmark, or every one in turn, each
 * starting and stopping everything it needs. Not part of `pnpm test`: numbers belong here,
 * not in assertions. With `--json`, every figure goes to FILE under its benchmark's name.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrerequisiteError } from '@shop/local-infra'
import { runGatewayBenchmark } from './gateway.js'
import { runIntakeBenchmark } from './intake.js'
import { machineLine } from './lib/machine.js'
import { UsageError } from './lib/options.js'
import { MissingToolError } from './lib/wrk.js'
import { runMemoryBenchmark } from './memory.js'
import { runPipelineBenchmark } from './pipeline.js'
import { runQueueMemoryBenchmark } from './queue-memory.js'
import { runWorkersBenchmark } from './workers.js'

/** Prints its tables and returns its figures as plain data; registered here with one line. */
type Benchmark = (argv: string[]) => Promise<unknown>

const BENCHMARKS: Record<string, Benchmark> = {
  gateway: runGatewayBenchmark,
  intake: runIntakeBenchmark,
  pipeline: runPipelineBenchmark,
  memory: runMemoryBenchmark,
  workers: runWorkersBenchmark,
  'queue-memory': runQueueMemoryBenchmark,
}

const USAGE = `usage: pnpm bench [${Object.keys(BENCHMARKS).join('|')}] [options] [--json FILE]`

/** `--json FILE` from anywhere in the arguments; the rest go to the benchmark. */
function parseArguments(argv: string[]) {
  const rest = [...argv]
  let json: string | undefined
  const at = rest.indexOf('--json')
  if (at !== -1) {
    json = rest[at + 1]
    if (!json || json.startsWith('--')) throw new UsageError(`--json needs a file; ${USAGE}`)
    rest.splice(at, 2)
  }
  const [first = ''] = rest
  if (first === '' || first.startsWith('-')) {
    if (first !== '') throw new UsageError(`options need a benchmark name; ${USAGE}`)
    return { names: Object.keys(BENCHMARKS), options: [], json }
  }
  if (!BENCHMARKS[first]) throw new UsageError(`no benchmark named ${first}; ${USAGE}`)
  return { names: [first], options: rest.slice(1), json }
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
    const run = BENCHMARKS[name] as Benchmark
    figures[name] = (await run(parsed.options)) ?? {}
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
