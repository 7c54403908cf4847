/**
 * RSS and PSS of every Node process of `pnpm start`: the built stack (scripts/dist/stack.js, as
 * `pnpm start` runs it after its build, minus pnpm itself) on free ports with a data folder of
 * its own, measured 25 seconds after every /readyz answered (idle: each process has handed
 * back what start-up grew, 10 s after it listened), then again after a
 * bounded run of orders through the gateway, drained by the workers at PROCESSING_DELAY_MS=0
 * as the pipeline benchmark places them (after load).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freeStackPorts, PORT_VARIABLES, ROOT, type StackPorts } from '@shop/native-stack'
import { buildTree } from './lib/baseline/worktree.js'
import { Cleanup } from './lib/cleanup.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import { nodeTreeRss, type ProcessRss } from './lib/rss.js'
import { signUpCustomers } from './lib/services.js'
import type { Side } from './lib/side.js'
import { fixed, formatTable } from './lib/table.js'
import { assertWrkInstalled } from './lib/wrk.js'
import { runWrkPost } from './lib/wrk-post.js'

const USAGE =
  'usage: pnpm bench memory [--workers N] [--settle S] [--load S (0: idle only)] [--connections N]'
const DRAIN_TIMEOUT_MS = 180_000
const READY = 'Distributed Shop is ready'
const TARGET_TOTAL_MB = 550
const TARGET_RUNNER_MB = 60
/** Below what Node 20 took (358 MB) when the runtime moved to Node 24. */
const TARGET_TOTAL_PSS_MB = 320

const say = (line: string) => process.stderr.write(`${line}\n`)

function portEnv(ports: StackPorts) {
  return Object.fromEntries(
    (Object.keys(ports) as (keyof StackPorts)[]).map((key) => [
      PORT_VARIABLES[key],
      String(ports[key]),
    ]),
  )
}

/** Free ports, but a port its SHOP_*_PORT variable sets is kept, as `pnpm start` keeps it. */
async function stackPorts(workers: number): Promise<StackPorts> {
  const ports = await freeStackPorts(workers)
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    const given = process.env[PORT_VARIABLES[key]]
    if (given) ports[key] = Number(given)
  }
  return ports
}

/**
 * The first worker's metrics text: from its metrics port, or from its health port when the
 * stack measured (a baseline) is from before metrics had a port of their own.
 */
async function workerMetrics(urls: string[]) {
  for (const url of urls) {
    const answer = await fetch(`${url}/metrics`).catch(() => undefined)
    if (answer?.ok) return answer.text()
    await answer?.body?.cancel()
  }
  throw new Error(`no worker metrics at ${urls.join(' or ')}`)
}

/** Jobs the order queue still holds, by the first worker's `orders_queue_jobs` gauge. */
async function openJobs(workerUrls: string[]) {
  const text = await workerMetrics(workerUrls)
  const open = [...text.matchAll(/^orders_queue_jobs\{state="(\w+)"\} (\d+)$/gm)]
    .filter(([, state]) => state === 'waiting' || state === 'active' || state === 'delayed')
    .map(([, , count]) => Number(count))
  if (open.length === 0) throw new Error('the worker exports no orders_queue_jobs gauge')
  return open.reduce((a, b) => a + b, 0)
}

async function untilDrained(workerUrls: string[]) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  while ((await openJobs(workerUrls)) > 0) {
    if (Date.now() > deadline) throw new Error('the queue was not drained within 180 s')
    await sleep(200)
  }
}

/** Places orders through the gateway for `seconds` (wrk), then waits for the queue to drain. */
async function placeOrders(
  gatewayUrl: string,
  workerUrls: string[],
  seconds: number,
  connections: number,
) {
  // One customer per connection, each ordering for themselves with their own token.
  const body = { ordersOf: await signUpCustomers(gatewayUrl, connections) }
  const load = await runWrkPost(`${gatewayUrl}/orders`, body, { connections, durationS: seconds })
  await untilDrained(workerUrls)
  return load
}

async function untilReady(child: ChildProcess, output: () => string) {
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the stack exited (${code}) before it was ready:\n${output().slice(-2_000)}`)
  })
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on('data', () => {
      if (output().includes(READY)) resolve()
    })
  })
  await Promise.race([ready, exited])
  exited.catch(() => {})
}

/**
 * With `side`, one round of a baseline comparison: that side's stack, already built, on its
 * Node, measured once, nothing printed.
 */
export async function runMemoryBenchmark(
  argv: string[],
  side?: Side,
): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(argv, USAGE, {
    workers: { default: 2, min: 1, max: 32 },
    settle: { default: 25, min: 0, max: 600 },
    load: { default: 10, min: 0, max: 300 },
    connections: { default: 32, min: 1, max: 1_000 },
  })
  if (options.load > 0) await assertWrkInstalled()
  // As `pnpm start` does: what is measured is the code of this checkout, never an older build.
  // A baseline comparison has built both trees before its first round.
  if (!side) {
    say('building, as pnpm start does')
    await buildTree(ROOT, process.execPath)
  }
  const root = side?.root ?? ROOT
  const entry = join(root, 'scripts', 'dist', 'stack.js')
  const cleanup = new Cleanup()
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-bench-memory-'))
    cleanup.add('scratch directory', () => rm(dataDir, { recursive: true, force: true }))
    cleanup.tempDir(dataDir)
    say(`starting the built stack with ${options.workers} workers`)
    const ports = await stackPorts(options.workers)
    const child = spawn(
      side?.node ?? process.execPath,
      [entry, '--mode', 'built', '--workers', String(options.workers)],
      {
        cwd: root,
        env: {
          ...process.env,
          ...portEnv(ports),
          SHOP_DATA_DIR: dataDir,
          // As the pipeline benchmark runs the workers: the load is drained as fast as it can be.
          PROCESSING_DELAY_MS: '0',
          PAYMENT_FAILURE_RATE: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-100_000)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-100_000)
    })
    const exit = once(child, 'exit')
    cleanup.add('the stack', async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGINT')
      await exit
    })
    await untilReady(child, () => output)
    say(`every /readyz answered; measuring in ${options.settle} s`)
    await sleep(options.settle * 1000)

    const processes = nodeTreeRss(child.pid as number)
    const isRunner = (p: ProcessRss) => p.pid === child.pid
    const sum = (list: ProcessRss[], key: 'rssMb' | 'pssMb' = 'rssMb') =>
      list.reduce((total, p) => total + p[key], 0)
    const totals = (list: ProcessRss[]) => ({
      runner_mb: sum(list.filter(isRunner)),
      services_mb: sum(list.filter((p) => !isRunner(p))),
      total_mb: sum(list),
      runner_pss_mb: sum(list.filter(isRunner), 'pssMb'),
      services_pss_mb: sum(
        list.filter((p) => !isRunner(p)),
        'pssMb',
      ),
      total_pss_mb: sum(list, 'pssMb'),
    })

    let afterLoad: ProcessRss[] | undefined
    let load: Awaited<ReturnType<typeof placeOrders>> | undefined
    if (options.load > 0) {
      say(`placing orders through the gateway for ${options.load} s, then the drain`)
      load = await placeOrders(
        `http://127.0.0.1:${ports.gateway}`,
        [ports.firstWorkerMetrics, ports.firstWorker].map((port) => `http://127.0.0.1:${port}`),
        options.load,
        options.connections,
      )
      say(`the queue is drained; measuring in ${options.settle} s`)
      await sleep(options.settle * 1000)
      afterLoad = nodeTreeRss(child.pid as number)
    }
    const after = new Map((afterLoad ?? []).map((p) => [p.pid, p]))
    const figures = {
      settle_seconds: options.settle,
      workers: options.workers,
      processes: processes.map(({ pid, name, rssMb, pssMb }) => ({
        pid,
        name,
        rss_mb: rssMb,
        pss_mb: pssMb,
        ...(afterLoad && {
          after_load_rss_mb: after.get(pid)?.rssMb ?? Number.NaN,
          after_load_pss_mb: after.get(pid)?.pssMb ?? Number.NaN,
        }),
      })),
      ...totals(processes),
      ...(afterLoad &&
        load && {
          after_load: {
            load_seconds: options.load,
            connections: options.connections,
            orders: load.requests,
            load_errors: load.errors,
            ...totals(afterLoad),
          },
        }),
      target_runner_mb: TARGET_RUNNER_MB,
      target_total_mb: TARGET_TOTAL_MB,
      target_total_pss_mb: TARGET_TOTAL_PSS_MB,
    }
    const row = (label: string, pid: string, which: (p: ProcessRss) => boolean) => [
      label,
      pid,
      ...[processes, ...(afterLoad ? [afterLoad] : [])].flatMap((list) => [
        fixed(sum(list.filter(which)), 1),
        fixed(sum(list.filter(which), 'pssMb'), 1),
      ]),
    ]
    if (side) return figures
    process.stdout.write(
      [
        `${commandLine('memory', argv)}  ·  ${machineLine()}`,
        `Node processes of the built stack, ${options.settle} s after every /readyz answered (idle)` +
          (load
            ? ` and ${options.settle} s after ${load.requests} orders placed through the gateway ` +
              `in ${options.load} s (${options.connections} connections) were drained by the ` +
              'workers at PROCESSING_DELAY_MS=0 (after load):'
            : ':'),
        '',
        formatTable(
          [
            'process',
            'pid',
            'idle RSS MB',
            'idle PSS MB',
            ...(afterLoad ? ['after load RSS MB', 'after load PSS MB'] : []),
          ],
          [
            ...processes.map(({ name, pid }) => row(name, String(pid), (p) => p.pid === pid)),
            row('stack runner', '', isRunner),
            row('services', '', (p) => !isRunner(p)),
            row('total', '', () => true),
          ],
        ),
        '',
        `targets (idle): PSS total <= ${TARGET_TOTAL_PSS_MB} MB; RSS total <= ${TARGET_TOTAL_MB} MB, stack runner <= ${TARGET_RUNNER_MB} MB.`,
        'PSS counts pages shared between processes (the node binary) once: its sum is what the stack takes.',
        ...(load && load.errors > 0
          ? [`${load.errors} orders failed or answered other than 2xx`]
          : []),
        '',
      ].join('\n'),
    )
    return figures
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
