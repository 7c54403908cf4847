/**
 * `scripts/stack.ts` as a person runs it, in a process of its own, with every port moved to a
 * free one and the data folder to a temporary one, so it never touches a stack a developer
 * may be running on the defaults.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { assertPortFree, freePort } from '@shop/local-infra'
import { PORT_VARIABLES, ROOT } from '@shop/native-stack'
import { eventually } from '@shop/test-kit'

export const READY = 'Distributed Shop is ready'

export interface StackCommandEnv {
  env: NodeJS.ProcessEnv
  /** Each `SHOP_*_PORT` variable and the free port it was given. */
  ports: Record<string, number>
  dataDir: string
  remove(): Promise<void>
}

export async function stackCommandEnv(): Promise<StackCommandEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'shop-stack-data-'))
  const ports: Record<string, number> = {}
  for (const variable of Object.values(PORT_VARIABLES)) ports[variable] = await freePort()
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('SHOP_') && name !== 'DATABASE_URL' && name !== 'REDIS_URL',
    ),
  )
  return {
    env: {
      ...inherited,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      SHOP_DATA_DIR: dataDir,
    },
    ports,
    dataDir,
    remove: () => rm(dataDir, { recursive: true, force: true }),
  }
}

export interface StackCommand {
  child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

/**
 * The variables among `ports` that a socket listens on right now. On Linux this reads the
 * kernel's socket tables: trying to bind instead would also fail on a port that another
 * test's outgoing connection happens to use as its local port, which says nothing of the stack.
 */
export async function portsInUse(ports: Record<string, number>) {
  const listening = await listeningPorts()
  const results = await Promise.all(
    Object.entries(ports).map(([variable, port]) =>
      listening
        ? listening.has(port)
          ? variable
          : undefined
        : assertPortFree(port, variable).then(
            () => undefined,
            () => variable,
          ),
    ),
  )
  return results.filter((variable) => variable !== undefined)
}

/** TCP ports in the LISTEN state (`0A`) in /proc/net/tcp and tcp6; undefined without /proc. */
async function listeningPorts(): Promise<Set<number> | undefined> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
  )
  if (tables.every((table) => table === '')) return undefined
  const ports = new Set<number>()
  for (const line of tables.join('\n').split('\n')) {
    const [, local, , state] = line.trim().split(/\s+/)
    if (state === '0A' && local) ports.add(Number.parseInt(local.split(':')[1] ?? '', 16))
  }
  return ports
}

/**
 * Starts `scripts/stack.ts --mode source --workers 1` (its worker port is SHOP_WORKER_PORT)
 * in the clone at `root`.
 */
export function spawnStack(env: NodeJS.ProcessEnv, root = ROOT): StackCommand {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      'scripts/stack.ts',
      '--mode',
      'source',
      '--workers',
      '1',
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
  }
}

/** Resolves once the stack printed its banner; fails with its output if it does not. */
export function untilReady(run: StackCommand) {
  return eventually(async () => (run.stdout.includes(READY) ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: `"${READY}" (stderr: ${run.stderr})`,
  })
}

const runCommand = promisify(execFile)

/** The process groups a running stack keeps for the next start: each Node process leads one. */
export async function stackProcessGroups(dataDir: string): Promise<number[]> {
  return (await readFile(join(dataDir, 'stack.pids'), 'utf8'))
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0)
}

/**
 * The processes still running in these groups, as `pid command line`. A zombie has exited,
 * whether or not anyone has reaped it yet, so it does not count.
 */
export async function runningInGroups(groups: number[]) {
  const { stdout } = await runCommand('ps', ['-A', '-o', 'pid=,pgid=,stat=,args='])
  return stdout.split('\n').flatMap((line) => {
    const [pid, pgid, stat, ...args] = line.trim().split(/\s+/)
    if (!groups.includes(Number(pgid)) || stat === undefined || stat.startsWith('Z')) return []
    return [`${pid} ${args.join(' ')}`]
  })
}
