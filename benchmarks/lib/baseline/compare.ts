/**
 * `pnpm bench NAME --baseline REF [--rounds N]`: the benchmark run round after round on the
 * working tree and on REF's tree in turn, each built and on its own Node, then each metric's
 * median and range on both sides and their ratio. This checkout's benchmark code drives both
 * sides (the ref may predate it), starting the ref's built entry points.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ROOT } from '@shop/native-stack'
import { commandLine, machineLine } from '../machine.js'
import { type Side, WORKING_TREE } from '../side.js'
import { formatTable } from '../table.js'
import type { Metrics } from './metrics.js'
import { type Comparison, compareRounds, roundOrder, type SideName } from './rounds.js'
import { buildTree, prepareBaseline } from './worktree.js'

const git = promisify(execFile)
const say = (line: string) => process.stderr.write(`${line}\n`)

export interface BaselineRun {
  name: string
  argv: string[]
  ref: string
  rounds: number
  run: (argv: string[], side: Side) => Promise<unknown>
  metrics: Metrics
}

/** Three significant digits or so: enough to read a 10 % difference. */
export function formatValue(value: number) {
  if (!Number.isFinite(value)) return '-'
  const digits =
    Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3
  return value.toFixed(digits)
}

export function comparisonTable(comparisons: Comparison[], baselineName: string) {
  return formatTable(
    ['metric', 'working tree', 'min–max', baselineName, 'min–max', 'ratio'],
    comparisons.map(({ metric, working: w, baseline: b, ratio }) => [
      metric,
      formatValue(w.median),
      `${formatValue(w.min)}–${formatValue(w.max)}`,
      formatValue(b.median),
      `${formatValue(b.min)}–${formatValue(b.max)}`,
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-',
    ]),
  )
}

async function describeHead() {
  const { stdout } = await git('git', ['describe', '--always', '--dirty', '--abbrev=12'], {
    cwd: ROOT,
  })
  return stdout.trim()
}

/** Built once per `pnpm bench`, however many benchmarks compare. */
let workingTreeBuilt: Promise<void> | undefined

export async function compareWithBaseline(options: BaselineRun) {
  if (!workingTreeBuilt) say(`building the working tree on Node ${process.versions.node}`)
  workingTreeBuilt ??= buildTree(ROOT, process.execPath)
  await workingTreeBuilt
  const sides: Record<SideName, Side> = {
    working: { ...WORKING_TREE, built: true },
    baseline: await prepareBaseline(options.ref, say),
  }
  const measured: Record<SideName, Record<string, number>[]> = { working: [], baseline: [] }
  const order = roundOrder(options.rounds)
  for (const [i, which] of order.entries()) {
    const side = sides[which]
    say(`\n-- round ${i + 1} of ${order.length}: ${side.name} on Node ${side.nodeVersion}`)
    const metrics = options.metrics(await options.run(options.argv, side))
    measured[which].push(metrics)
    const [first] = Object.entries(metrics)
    if (first) say(`-- ${side.name}: ${first[0].trim()} ${formatValue(first[1])}`)
  }
  const comparisons = compareRounds(measured.working, measured.baseline)
  const head = await describeHead()
  const { working, baseline } = sides
  const baselineCommit = baseline.commit?.slice(0, 12)
  const argv = [...options.argv, '--baseline', options.ref, '--rounds', String(options.rounds)]
  console.log()
  console.log(`${commandLine(options.name, argv)} · ${machineLine()}`)
  console.log(
    `working tree ${head} on Node ${working.nodeVersion} · ${baseline.name} (${baselineCommit}) on ` +
      `Node ${baseline.nodeVersion}; both built, ${options.rounds} round(s) each, alternating ` +
      'in pairs whose order flips (A B, B A, …)',
  )
  console.log()
  console.log(comparisonTable(comparisons, baseline.name))
  console.log()
  console.log(
    "Each figure is the median of a side's rounds, min–max its range; ratio: working tree ÷\n" +
      'baseline. Where the two ranges overlap, the difference is within what this machine varies.',
  )
  return {
    working_tree: { describe: head, node: working.nodeVersion },
    baseline: { ref: options.ref, commit: baselineCommit, node: baseline.nodeVersion },
    rounds: options.rounds,
    order,
    measured,
    comparison: comparisons,
  }
}
