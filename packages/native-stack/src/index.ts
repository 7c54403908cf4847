/**
 * The whole system on one machine: PostgreSQL and Redis (embedded, or the given URLs),
 * then every service, N workers, bull-board and the gateway. Run by `pnpm start` /
 * `pnpm dev` (scripts/stack.ts), and started on free ports by the system, browser and
 * fault-load tests and the benchmarks.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import {
  assertPortFree,
  commandLine,
  isAlive,
  stopLeftoverPostgres,
  stopLeftoverRedis,
} from '@shop/local-infra'
import { startInfra } from './infra.js'
import { PORT_VARIABLES, ROOT, type StackOptions, type StackPorts } from './options.js'
import { assertEntryPointsExist, identityDir, planProcesses } from './processes.js'
import { waitUntilReady } from './readiness.js'
import { runProcesses } from './runner.js'
import type { Stack, StackAdmin, StackUrls } from './stack.js'

export { banner } from './banner.js'
export { freeStackPorts } from './free-ports.js'
export { applyInitSql } from './infra.js'
export { nodeFlags } from './node-flags.js'
export type { BoardCredentials, StackMode, StackOptions, StackPorts } from './options.js'
export { DEFAULT_PORTS, optionsFromCommandLine, PORT_VARIABLES, ROOT } from './options.js'

export { type RunningProcess, restartDelayMs } from './runner.js'
export type { Stack, StackAdmin, StackUrls } from './stack.js'

const READY_TIMEOUT_MS = { built: 60_000, source: 90_000, dev: 120_000 }

const url = (port: number) => `http://127.0.0.1:${port}`

async function assertPortsFree(options: StackOptions) {
  const { ports, workers } = options
  const wanted: [number, string][] = [
    [ports.userService, `user-service, or set ${PORT_VARIABLES.userService}`],
    [ports.orderService, `order-service, or set ${PORT_VARIABLES.orderService}`],
    ...Array.from({ length: workers }, (_, i): [number, string] => [
      ports.firstWorker + i,
      `worker-${i + 1}, or set ${PORT_VARIABLES.firstWorker} (worker N uses it + N - 1)`,
    ]),
    [ports.board, `bull-board, or set ${PORT_VARIABLES.board}`],
    [ports.gateway, `api-gateway, or set ${PORT_VARIABLES.gateway}`],
    [ports.userServiceMetrics, `user-service metrics, or set ${PORT_VARIABLES.userServiceMetrics}`],
    [
      ports.orderServiceMetrics,
      `order-service metrics, or set ${PORT_VARIABLES.orderServiceMetrics}`,
    ],
    ...Array.from({ length: workers }, (_, i): [number, string] => [
      ports.firstWorkerMetrics + i,
      `worker-${i + 1} metrics, or set ${PORT_VARIABLES.firstWorkerMetrics} (worker N uses it + N - 1)`,
    ]),
    [ports.boardMetrics, `bull-board metrics, or set ${PORT_VARIABLES.boardMetrics}`],
    [ports.gatewayMetrics, `api-gateway metrics, or set ${PORT_VARIABLES.gatewayMetrics}`],
  ]
  if (options.databaseUrl === undefined) {
    wanted.push([ports.postgres, `PostgreSQL, or set ${PORT_VARIABLES.postgres} or DATABASE_URL`])
  }
  if (options.redisUrl === undefined) {
    wanted.push([ports.redis, `Redis, or set ${PORT_VARIABLES.redis} or REDIS_URL`])
  }
  for (const [port, what] of wanted) await assertPortFree(port, what)
}

export function stackUrls(ports: StackPorts, workers: number): StackUrls {
  return {
    gateway: url(ports.gateway),
    docs: `${url(ports.gateway)}/docs`,
    userService: url(ports.userService),
    orderService: url(ports.orderService),
    board: url(ports.board),
    workers: Array.from({ length: workers }, (_, i) => url(ports.firstWorker + i)),
    metrics: {
      gateway: url(ports.gatewayMetrics),
      userService: url(ports.userServiceMetrics),
      orderService: url(ports.orderServiceMetrics),
      board: url(ports.boardMetrics),
      workers: Array.from({ length: workers }, (_, i) => url(ports.firstWorkerMetrics + i)),
    },
  }
}

/** Who the bootstrap admin is, as user-service will read it from the same variables. */
function stackAdmin(options: StackOptions): StackAdmin {
  const variable = (name: string) => options.env?.[name] || process.env[name] || undefined
  const passwordFile = variable('SHOP_ADMIN_PASSWORD_FILE')
  return {
    email: variable('SHOP_ADMIN_EMAIL') ?? 'admin@shop.local',
    passwordFile: variable('SHOP_ADMIN_PASSWORD')
      ? undefined
      : passwordFile
        ? resolve(ROOT, 'user-service', passwordFile)
        : join(identityDir(options.dataDir), 'admin-password'),
  }
}

const groupsFile = (dataDir: string) => join(dataDir, 'stack.pids')

/**
 * The process groups of a previous run's processes. Built or from the sources they stop by
 * themselves when the stack dies; under `tsx watch` (pnpm dev) the watcher does not.
 */
async function stopLeftoverGroups(dataDir: string) {
  let pids: number[]
  try {
    pids = readFileSync(groupsFile(dataDir), 'utf8')
      .split('\n')
      .map(Number)
      .filter((pid) => pid > 0)
  } catch {
    return false
  }
  const ours = []
  for (const pid of pids) {
    if ((await commandLine(pid))?.includes(ROOT)) ours.push(pid)
  }
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name)
    } catch {}
  }
  for (const pid of ours) signal(pid, 'SIGTERM')
  const deadline = Date.now() + 15_000
  while (ours.some(isAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  for (const pid of ours) signal(pid, 'SIGKILL')
  rmSync(groupsFile(dataDir), { force: true })
  return ours.length > 0
}

/**
 * What a run killed outright (SIGKILL, the OOM killer) left behind: its processes, and
 * Redis and PostgreSQL found through their pid files.
 */
async function stopLeftovers(options: StackOptions, say: (line: string) => void) {
  if (await stopLeftoverGroups(options.dataDir)) say('stopped the processes a previous run left')
  const redis =
    options.redisUrl === undefined && (await stopLeftoverRedis(join(options.dataDir, 'redis')))
  const postgres =
    options.databaseUrl === undefined &&
    (await stopLeftoverPostgres(join(options.dataDir, 'postgres')))
  if (redis || postgres) say('stopped the Redis and PostgreSQL a previous run left running')
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.say ?? (() => {})
  assertEntryPointsExist(options.mode)
  await stopLeftovers(options, say)
  await assertPortsFree(options)
  const infra = await startInfra({
    dataDir: options.dataDir,
    postgresPort: options.ports.postgres,
    redisPort: options.ports.redis,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    say,
  })
  if (options.abortSignal?.aborted) {
    await infra.stopRedis()
    await infra.stopPostgres()
    options.abortSignal.throwIfAborted()
  }
  const specs = planProcesses(options, infra)
  const output = options.output === undefined ? process.stdout : options.output
  const processes = runProcesses(specs, output as Writable | null, (pids) =>
    writeFileSync(groupsFile(options.dataDir), pids.map((pid) => `${pid}\n`).join('')),
  )

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      say('stopping the gateway, the services, the workers and bull-board')
      await processes.stopAll()
      say('stopping Redis and PostgreSQL')
      await infra.stopRedis()
      await infra.stopPostgres()
    })()
    return stopping
  }

  try {
    await waitUntilReady(specs, processes, READY_TIMEOUT_MS[options.mode], options.abortSignal)
  } catch (error) {
    await stop()
    throw error
  }
  processes.armRestarts()
  return {
    urls: stackUrls(options.ports, options.workers),
    admin: stackAdmin(options),
    databaseUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    processes: processes.processes,
    logs: processes.logs,
    killProcess: processes.killProcess,
    stop,
  }
}
