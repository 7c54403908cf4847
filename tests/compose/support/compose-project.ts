import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ROOT } from './engine.js'

const run = promisify(execFile)

/** Host ports of the project under test: none of the defaults, so a running stack is left be. */
export const PORTS = {
  gateway: 28080,
  userService: 28001,
  orderServices: [28002, 28003, 28004, 28005],
  board: 28555,
  postgres: 28433,
  redis: 28380,
  prometheus: 28090,
}
export const PROJECT = 'shop-e2e'
/** No other string of the project holds it: the checks look for it in command lines. */
export const REDIS_PASSWORD = 'e2e-redis-password-4f1c'
/** The bootstrap admin user-service creates; the walkthrough signs in as it. */
export const ADMIN = { email: 'admin@shop-e2e.test', password: 'e2e-admin-password-7d2a' }
export const DEV_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml']
/** Every file and profile: what cleaning up must find. */
export const ALL_FILES = [...DEV_FILES, '--profile', 'observability']

/** One row of `docker compose ps --format json`. */
export interface ServiceRow {
  ID: string
  Service: string
  Image: string
  State: string
  Health: string
}

/** What `docker inspect` tells of a container, as far as the checks read it. */
export interface ContainerInfo {
  RestartCount: number
  State: { Status: string; Pid: number; StartedAt: string; Health?: { Status: string } }
}

export interface CommandOptions {
  /** Compose files and profiles before the command (docker-compose.yml alone by default). */
  files?: string[]
  env?: Record<string, string>
  /** A command as a user types it may build images: 15 minutes, as long as CI allows. */
  timeoutMs?: number
}

/**
 * `docker compose` as the README types it, as project shop-e2e on the ports above, with
 * any local .env ignored (the committed defaults are what is tested).
 */
export class ComposeProject {
  readonly env: NodeJS.ProcessEnv

  constructor(dockerHost: string) {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of [
      'SHOP_PUBLISH_ADDRESS',
      'BULL_BOARD_USER',
      'BULL_BOARD_PASSWORD',
      'BULL_BOARD_AUTH',
      'SHOP_ADMIN_EMAIL',
      'SHOP_ADMIN_PASSWORD',
    ]) {
      delete env[name]
    }
    this.env = {
      ...env,
      DOCKER_HOST: dockerHost,
      COMPOSE_PROJECT_NAME: PROJECT,
      COMPOSE_ENV_FILES: '/dev/null',
      SHOP_GATEWAY_PORT: String(PORTS.gateway),
      SHOP_USER_SERVICE_PORT: String(PORTS.userService),
      SHOP_ORDER_SERVICE_PORTS: `${PORTS.orderServices[0]}-${PORTS.orderServices.at(-1)}`,
      SHOP_BOARD_PORT: String(PORTS.board),
      SHOP_POSTGRES_PORT: String(PORTS.postgres),
      SHOP_REDIS_PORT: String(PORTS.redis),
      // The observability profile: only Prometheus runs here (Grafana's and Jaeger's images
      // cannot be built without a registry: scripts/compose/README.md).
      SHOP_PROMETHEUS_PORT: String(PORTS.prometheus),
      SHOP_GRAFANA_PORT: '28300',
      SHOP_JAEGER_PORT: '28686',
      SHOP_OTLP_PORT: '28318',
      // Generous deadlines: a burst of 200 orders on a busy two-core machine (load average 26
      // seen) kept user-service's answer past the default 2 s, and a 503 then is right.
      USER_SERVICE_TIMEOUT_MS: '15000',
      REDIS_PASSWORD,
      SHOP_ADMIN_EMAIL: ADMIN.email,
      SHOP_ADMIN_PASSWORD: ADMIN.password,
      UPSTREAM_TIMEOUT_MS: '30000',
      // Every check sends from this one address, the burst alone 200 orders: far over the
      // gateway's default limits.
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_CREDENTIALS_MAX: '1000000',
    }
  }

  /** `docker compose [files] ARGS`: its stdout; rejects with its stderr's end on failure. */
  async compose(args: string[], options: CommandOptions = {}): Promise<string> {
    return this.docker(['compose', ...(options.files ?? []), ...args], options)
  }

  async docker(args: string[], { env = {}, timeoutMs = 900_000 }: CommandOptions = {}) {
    try {
      const { stdout } = await run('docker', args, {
        cwd: ROOT,
        env: { ...this.env, ...env },
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
      })
      return stdout
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string }
      const output = `${stdout}${stderr}`.trim().split('\n').slice(-30).join('\n')
      throw new Error(`docker ${args.join(' ')} failed:\n${output}`)
    }
  }

  /** `docker compose ARGS` expected to fail, perhaps: whether it passed, and its output. */
  async attempt(args: string[], options: CommandOptions = {}) {
    try {
      return { ok: true, output: await this.compose(args, options) }
    } catch (error) {
      return { ok: false, output: (error as Error).message }
    }
  }

  async services(files?: string[]): Promise<ServiceRow[]> {
    const out = (await this.compose(['ps', '--all', '--format', 'json'], { files })).trim()
    if (out === '') return []
    // Compose 2.21 and later print one object a line; earlier ones an array.
    return out.startsWith('[') ? JSON.parse(out) : out.split('\n').map((l) => JSON.parse(l))
  }

  async containerIds(service: string): Promise<string[]> {
    return (await this.compose(['ps', '-q', service])).split('\n').filter(Boolean)
  }

  /** Where `service`'s `privatePort` is published: `{ address, port }`. */
  async published(service: string, privatePort: number, index = 1) {
    const out = (
      await this.compose(['port', '--index', String(index), service, String(privatePort)])
    ).trim()
    const colon = out.lastIndexOf(':')
    return { address: out.slice(0, colon), port: Number(out.slice(colon + 1)) }
  }

  async inspect(id: string): Promise<ContainerInfo> {
    const [info] = JSON.parse(await this.docker(['inspect', id])) as ContainerInfo[]
    if (!info) throw new Error(`no container ${id}`)
    return info
  }

  /** The project's volumes still there. */
  async volumes(): Promise<string[]> {
    const out = await this.docker([
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
    ])
    return out.split('\n').filter(Boolean)
  }
}
