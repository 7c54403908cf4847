import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PrerequisiteError } from '@shop/local-infra'
import { nodeFlags } from './node-flags.js'
import { ROOT, type StackOptions } from './options.js'

export interface ProcessSpec {
  name: string
  cwd: string
  /** Node's arguments: flags, then the program. */
  args: string[]
  env: Record<string, string>
  port: number
  /** Answers 200 once the process can do its work. */
  readyUrl: string
  /** Processes stop in ascending order: the front door first, the queue consumers last. */
  stopOrder: number
}

interface Entry {
  service: 'user-service' | 'order-service' | 'api-gateway'
  /** The entry point under src/ (from the sources) or dist/ (built), without extension. */
  file: 'server' | 'api/server' | 'worker/server' | 'board/server'
}

const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
export const TSX_LOADER = import.meta.resolve('tsx')

const ENTRIES: Entry[] = [
  { service: 'user-service', file: 'server' },
  { service: 'order-service', file: 'api/server' },
  { service: 'order-service', file: 'worker/server' },
  { service: 'order-service', file: 'board/server' },
  { service: 'api-gateway', file: 'server' },
]

/** Checked before PostgreSQL starts, so a missing build costs nothing. */
export function assertEntryPointsExist(mode: StackOptions['mode']) {
  for (const { service, file } of ENTRIES) {
    const path = mode === 'built' ? `dist/${file}.js` : `src/${file}.ts`
    if (!existsSync(join(ROOT, service, path))) {
      const hint =
        mode === 'built' ? 'run pnpm build first (pnpm start does)' : 'is the checkout complete?'
      throw new PrerequisiteError(`${service}/${path} is missing: ${hint}`)
    }
  }
}

/**
 * Node's arguments for one program: built, as production runs it, or from the sources; its
 * flags (node-flags.ts) in every mode (tsx hands them on to the node it runs).
 */
export function nodeArgs(mode: StackOptions['mode'], { service, file }: Entry) {
  const flags = nodeFlags(service, `dist/${file}.js`)
  if (mode === 'built') return [...flags, join(ROOT, service, 'dist', `${file}.js`)]
  const source = `src/${file}.ts`
  if (mode === 'dev') {
    return [TSX_CLI, 'watch', '--clear-screen=false', '--conditions=development', ...flags, source]
  }
  return [...flags, '--import', TSX_LOADER, '--conditions=development', source]
}

export interface Endpoints {
  databaseUrl: string
  redisUrl: string
}

const local = (port: number) => `http://127.0.0.1:${port}`

/** user-service's signing keys and a generated admin password, kept with the stack's data. */
export const identityDir = (dataDir: string) => join(dataDir, 'user-service')

/**
 * Tokens name the gateway's address as their issuer, wherever its port is; verifiers fetch
 * the keys straight from user-service. An AUTH_ISSUER of the caller's (another OpenID
 * provider) is left to its own discovery document.
 */
function identityEnv(
  options: StackOptions,
  gatewayPort: number,
  userServiceUrl: string,
): Record<string, string> {
  if (process.env.AUTH_ISSUER || options.env?.AUTH_ISSUER) return {}
  return {
    AUTH_ISSUER: local(gatewayPort),
    AUTH_DISCOVERY_URL: `${userServiceUrl}/.well-known/openid-configuration`,
  }
}

/** Every process of the system with its environment, in the order they are listed. */
export function planProcesses(options: StackOptions, { databaseUrl, redisUrl }: Endpoints) {
  const { ports, mode } = options
  const userServiceUrl = local(ports.userService)
  const shared = {
    HOST: '127.0.0.1',
    ...identityEnv(options, ports.gateway, userServiceUrl),
    ...options.env,
  }
  const orderServiceUrl = local(ports.orderService)
  const specs: ProcessSpec[] = []
  const add = (
    name: string,
    entry: Entry,
    port: number,
    env: Record<string, string>,
    stopOrder: number,
  ) =>
    specs.push({
      name,
      cwd: join(ROOT, entry.service),
      args: nodeArgs(mode, entry),
      env: { ...shared, ...env },
      port,
      readyUrl: `${local(port)}/readyz`,
      stopOrder,
    })

  add(
    'user-service',
    { service: 'user-service', file: 'server' },
    ports.userService,
    {
      PORT: String(ports.userService),
      METRICS_PORT: String(ports.userServiceMetrics),
      DATABASE_URL: databaseUrl,
      AUTH_KEYS_DIR: identityDir(options.dataDir),
    },
    1,
  )
  add(
    'order-service',
    { service: 'order-service', file: 'api/server' },
    ports.orderService,
    {
      PORT: String(ports.orderService),
      METRICS_PORT: String(ports.orderServiceMetrics),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      USER_SERVICE_URL: userServiceUrl,
    },
    1,
  )
  for (let n = 1; n <= options.workers; n++) {
    const port = ports.firstWorker + n - 1
    add(
      `worker-${n}`,
      { service: 'order-service', file: 'worker/server' },
      port,
      {
        WORKER_PORT: String(port),
        METRICS_PORT: String(ports.firstWorkerMetrics + n - 1),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
      },
      2,
    )
  }
  add(
    'bull-board',
    { service: 'order-service', file: 'board/server' },
    ports.board,
    {
      BULL_BOARD_PORT: String(ports.board),
      METRICS_PORT: String(ports.boardMetrics),
      REDIS_URL: redisUrl,
      BULL_BOARD_USER: options.board.user,
      BULL_BOARD_PASSWORD: options.board.password,
    },
    2,
  )
  add(
    'api-gateway',
    { service: 'api-gateway', file: 'server' },
    ports.gateway,
    {
      PORT: String(ports.gateway),
      METRICS_PORT: String(ports.gatewayMetrics),
      USER_SERVICE_URL: userServiceUrl,
      ORDER_SERVICE_URL: orderServiceUrl,
      REDIS_URL: redisUrl,
    },
    0,
  )
  return specs
}
