import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PrerequisiteError } from '@shop/local-infra'

/**
 * - `built`: `node <service>/dist/*.js` (after `pnpm build`), as in production;
 * - `dev`: `tsx watch` on the TypeScript sources, restarting on every save;
 * - `source`: the TypeScript sources through tsx without watching (tests: no build needed).
 */
export type StackMode = 'built' | 'dev' | 'source'

export interface StackPorts {
  postgres: number
  redis: number
  userService: number
  orderService: number
  /** The first worker's health port; worker N listens on `firstWorker + N - 1`. */
  firstWorker: number
  board: number
  gateway: number
  /** Each process's metrics listener (its METRICS_PORT), apart from its public port. */
  userServiceMetrics: number
  orderServiceMetrics: number
  /** Worker N's metrics port is `firstWorkerMetrics + N - 1`. */
  firstWorkerMetrics: number
  boardMetrics: number
  gatewayMetrics: number
}

export interface BoardCredentials {
  user: string
  password: string
  /** True when nobody chose them: the banner then shows the password. */
  defaulted: boolean
}

export interface StackOptions {
  mode: StackMode
  ports: StackPorts
  workers: number
  /** Use this database instead of starting the embedded PostgreSQL. */
  databaseUrl?: string
  /** Use this Redis instead of starting `redis-server`. */
  redisUrl?: string
  /** Where the embedded PostgreSQL and Redis keep their data (`postgres/`, `redis/`). */
  dataDir: string
  board: BoardCredentials
  /** Extra variables for every process (e.g. `ORDER_QUEUE_NAME`, `LOG_LEVEL`). */
  env?: Record<string, string>
  /** Where the prefixed process output goes; `null` keeps it only in memory (`logs(name)`). */
  output?: NodeJS.WritableStream | null
  /** Progress lines of the stack itself (starting Postgres, stopping…). */
  say?: (line: string) => void
  /** Abandons a start in progress (Ctrl-C while PostgreSQL is still starting). */
  abortSignal?: AbortSignal
}

/** The clone: found upwards, since this file runs from scripts/ and, built, from scripts/dist/. */
function workspaceRoot(from: string): string {
  if (existsSync(join(from, 'pnpm-workspace.yaml'))) return from
  const parent = dirname(from)
  if (parent === from) throw new Error('pnpm-workspace.yaml not found above the stack scripts')
  return workspaceRoot(parent)
}

export const ROOT = workspaceRoot(import.meta.dirname)

/** The variable that moves each port of `pnpm start` / `pnpm dev` / `pnpm stack`. */
export const PORT_VARIABLES: Record<keyof StackPorts, string> = {
  postgres: 'SHOP_POSTGRES_PORT',
  redis: 'SHOP_REDIS_PORT',
  userService: 'SHOP_USER_SERVICE_PORT',
  orderService: 'SHOP_ORDER_SERVICE_PORT',
  firstWorker: 'SHOP_WORKER_PORT',
  board: 'SHOP_BOARD_PORT',
  gateway: 'SHOP_GATEWAY_PORT',
  userServiceMetrics: 'SHOP_USER_SERVICE_METRICS_PORT',
  orderServiceMetrics: 'SHOP_ORDER_SERVICE_METRICS_PORT',
  firstWorkerMetrics: 'SHOP_WORKER_METRICS_PORT',
  boardMetrics: 'SHOP_BOARD_METRICS_PORT',
  gatewayMetrics: 'SHOP_GATEWAY_METRICS_PORT',
}

export const DEFAULT_PORTS: StackPorts = {
  postgres: 5433,
  redis: 6380,
  userService: 8001,
  orderService: 8002,
  firstWorker: 8003,
  board: 5555,
  gateway: 8080,
  userServiceMetrics: 9001,
  orderServiceMetrics: 9002,
  firstWorkerMetrics: 9003,
  boardMetrics: 9555,
  gatewayMetrics: 9080,
}

const USAGE = 'usage: stack [--mode built|dev|source] [--workers N]'

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new PrerequisiteError(`${name}=${JSON.stringify(raw)} is not a port (1-65535)`)
  }
  return port
}

function portsFrom(env: NodeJS.ProcessEnv): StackPorts {
  const ports = { ...DEFAULT_PORTS }
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    ports[key] = portFrom(env, PORT_VARIABLES[key], DEFAULT_PORTS[key])
  }
  return ports
}

/** The command line and environment of `pnpm start` / `pnpm dev` / `pnpm stack`. */
export function optionsFromCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): StackOptions {
  let values: { mode?: string; workers?: string }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { mode: { type: 'string' }, workers: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new PrerequisiteError(`${(error as Error).message}; ${USAGE}`)
  }
  const mode = values.mode ?? 'built'
  if (mode !== 'built' && mode !== 'dev' && mode !== 'source') {
    throw new PrerequisiteError(`--mode ${mode} is not one of built, dev, source`)
  }
  const workers = Number(values.workers ?? '2')
  if (!Number.isInteger(workers) || workers < 1 || workers > 32) {
    throw new PrerequisiteError(`--workers ${values.workers} must be a whole number from 1 to 32`)
  }
  const ports = portsFrom(env)
  for (const key of ['firstWorker', 'firstWorkerMetrics'] as const) {
    if (ports[key] + workers - 1 > 65_535) {
      throw new PrerequisiteError(
        `${PORT_VARIABLES[key]}=${ports[key]} leaves no room for ${workers} workers`,
      )
    }
  }
  const user = env.BULL_BOARD_USER || 'admin'
  const password = env.BULL_BOARD_PASSWORD || 'admin'
  return {
    mode,
    workers,
    ports,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    dataDir: resolve(ROOT, env.SHOP_DATA_DIR || '.data'),
    board: { user, password, defaulted: !env.BULL_BOARD_USER && !env.BULL_BOARD_PASSWORD },
  }
}
