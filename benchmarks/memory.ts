/**
 * RSS of every Node process of `pnpm start` when idle: the built stack (scripts/dist/stack.js,
 * as `pnpm start` runs it after its build, minus pnpm itself) on free ports with a data
 * folder of its own, measured five seconds after every /readyz answered.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PrerequisiteError } from '@shop/platform/local-infra'
import { freeStackPorts, PORT_VARIABLES, ROOT, type StackPorts } from '../scripts/stack/index.js'
import { Cleanup } from './lib/cleanup.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import { nodeTreeRss } from './lib/rss.js'
import { fixed, formatTable } from './lib/table.js'

const USAGE = 'usage: pnpm bench memory [--workers N] [--settle S]'
const READY = 'Distributed Shop is ready'
const TARGET_TOTAL_MB = 550
const TARGET_RUNNER_MB = 60

const say = (line: string) => process.stderr.write(`${line}\n`)

function portEnv(ports: StackPorts) {
  return Object.fromEntries(
    (Object.keys(ports) as (keyof StackPorts)[]).map((key) => [
      PORT_VARIABLES[key],
      String(ports[key]),
    ]),
  )
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

export async function runMemoryBenchmark(argv: string[]): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(argv, USAGE, {
    workers: { default: 2, min: 1, max: 32 },
    settle: { default: 5, min: 0, max: 600 },
  })
  const entry = join(ROOT, 'scripts', 'dist', 'stack.js')
  if (!existsSync(entry))
    throw new PrerequisiteError('scripts/dist/stack.js is missing: run pnpm build first')
  const cleanup = new Cleanup()
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-bench-memory-'))
    cleanup.add('scratch directory', () => rm(dataDir, { recursive: true, force: true }))
    cleanup.tempDir(dataDir)
    say(`starting the built stack with ${options.workers} workers`)
    const child = spawn(
      process.execPath,
      [entry, '--mode', 'built', '--workers', String(options.workers)],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...portEnv(await freeStackPorts(options.workers)),
          SHOP_DATA_DIR: dataDir,
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
    await new Promise((resolve) => setTimeout(resolve, options.settle * 1000))

    const processes = nodeTreeRss(child.pid as number)
    const runner = processes.filter((p) => p.pid === child.pid)
    const services = processes.filter((p) => p.pid !== child.pid)
    const sum = (list: typeof processes, key: 'rssMb' | 'pssMb' = 'rssMb') =>
      list.reduce((total, p) => total + p[key], 0)
    const figures = {
      settle_seconds: options.settle,
      workers: options.workers,
      processes: processes.map(({ pid, name, rssMb, pssMb }) => ({
        pid,
        name,
        rss_mb: rssMb,
        pss_mb: pssMb,
      })),
      runner_mb: sum(runner),
      services_mb: sum(services),
      total_mb: sum(processes),
      total_pss_mb: sum(processes, 'pssMb'),
      target_runner_mb: TARGET_RUNNER_MB,
      target_total_mb: TARGET_TOTAL_MB,
    }
    process.stdout.write(
      [
        `${commandLine('memory', argv)}  ·  ${machineLine()}`,
        `Node processes of the built stack, ${options.settle} s after every /readyz answered:`,
        '',
        formatTable(
          ['process', 'pid', 'RSS MB', 'PSS MB'],
          [
            ...processes.map((p) => [p.name, String(p.pid), fixed(p.rssMb, 1), fixed(p.pssMb, 1)]),
            ['stack runner', '', fixed(figures.runner_mb, 1), fixed(sum(runner, 'pssMb'), 1)],
            ['services', '', fixed(figures.services_mb, 1), fixed(sum(services, 'pssMb'), 1)],
            ['total', '', fixed(figures.total_mb, 1), fixed(figures.total_pss_mb, 1)],
          ],
        ),
        '',
        `targets (RSS): total <= ${TARGET_TOTAL_MB} MB, stack runner <= ${TARGET_RUNNER_MB} MB. PSS counts`,
        'pages shared between processes (the node binary) once: its sum is what the stack takes.',
        '',
      ].join('\n'),
    )
    return figures
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
