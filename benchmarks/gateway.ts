/**
 * Requests per second, latency and CPU per request of a trivial route, then of a real route
 * (GET /users/{id} on user-service with PostgreSQL), each direct and through the gateway (at
 * `info` and at `warn`), nginx and the stock proxy: every configuration measured back to back
 * in one run, so the ratios compare like with like on a machine whose absolute speed varies.
 */
import { fileURLToPath } from 'node:url'
import { freePort } from '@shop/local-infra'
import { type Child, startNodeChild, waitForHttp } from './lib/child.js'
import { Cleanup } from './lib/cleanup.js'
import { descendantsCpuSeconds } from './lib/cpu.js'
import {
  figureRows,
  type Measured,
  type Path,
  type Route,
  report,
  type Target,
} from './lib/gateway-report.js'
import { initDatabaseFor, postgresFor } from './lib/infra.js'
import { findNginx, startNginx } from './lib/nginx.js'
import { parseNumberOptions } from './lib/options.js'
import {
  authEnv,
  ENTRY,
  issuerEnv,
  RAISED_RATE_LIMITS,
  RAISED_RATE_LIMITS_NOTE,
  signUpCustomers,
  startServer as startShopServer,
} from './lib/services.js'
import { type Side, WORKING_TREE } from './lib/side.js'
import { assertWrkInstalled, runWrk } from './lib/wrk.js'

const USAGE =
  'usage: pnpm bench gateway [--duration S] [--warmup S] [--connections N] [--rounds N] [--floors 0|1]'
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

const say = (line: string) => process.stderr.write(`${line}\n`)

/** One of the benchmark's own servers (upstream, stock proxy, floors) in its own process. */
async function startServer(
  cleanup: Cleanup,
  name: string,
  file: string,
  env: Record<string, string>,
) {
  const port = await freePort()
  const child: Child = startNodeChild(name, file, { HOST: '127.0.0.1', PORT: String(port), ...env })
  cleanup.add(name, () => child.stop())
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(child, `${url}/readyz`)
  return url
}

/** The identity settings every gateway of a run verifies tokens with: user-service's. */
let gatewayAuth: Record<string, string> = {}

/** The gateway as production runs it: its own process, default settings, logs at info. */
async function startGateway(
  cleanup: Cleanup,
  name: string,
  upstreams: { users: string; orders: string },
  { logLevel = 'info', side = WORKING_TREE }: { logLevel?: string; side?: Side } = {},
) {
  const env = {
    ...gatewayAuth,
    USER_SERVICE_URL: upstreams.users,
    ORDER_SERVICE_URL: upstreams.orders,
    LOG_LEVEL: logLevel,
    ...RAISED_RATE_LIMITS,
  }
  return (await startShopServer(cleanup, name, ENTRY.gateway, env, { side })).url
}

/** nginx in front of `upstream`, or undefined (and one line saying so) when not installed. */
async function startNginxFor(cleanup: Cleanup, name: string, upstream: string) {
  const binary = await findNginx()
  if (!binary) return undefined
  const port = await freePort()
  const nginx = await startNginx(binary, port, Number(new URL(upstream).port))
  cleanup.add(name, () => nginx.stop())
  cleanup.tempDir(nginx.dir)
  const url = `http://127.0.0.1:${port}`
  // The upstream's readiness, public on every upstream (its routes may need a token).
  await waitForHttp(nginx.child, `${url}/readyz`)
  return url
}

/**
 * The same paths in front of one upstream: direct, the gateway at `info` (its default, one
 * access line per request) and at `warn`, nginx, and the stock proxy. In a baseline round,
 * the first three only, the gateway being the `side`'s.
 */
async function pathsTo(
  cleanup: Cleanup,
  route: Route,
  upstreams: { users: string; orders: string },
  path: string,
  side?: Side,
): Promise<Target[]> {
  const upstream = upstreams.users
  const gateway = await startGateway(cleanup, `api-gateway (${route})`, upstreams, { side })
  const quietGateway = await startGateway(cleanup, `api-gateway (${route}, warn)`, upstreams, {
    logLevel: 'warn',
    side,
  })
  const gateways: Target[] = [
    { route, path: 'direct', url: `${upstream}${path}` },
    { route, path: 'api-gateway', url: `${gateway}${path}` },
    { route, path: 'api-gateway, LOG_LEVEL=warn', url: `${quietGateway}${path}` },
  ]
  if (side) return gateways
  const stock = await startServer(
    cleanup,
    `stock-proxy (${route})`,
    here('servers/stock-proxy.ts'),
    {
      UPSTREAM_URL: upstream,
    },
  )
  const nginx = await startNginxFor(cleanup, `nginx (${route})`, upstream)
  const targets: Target[] = [...gateways, { route, path: 'stock proxy', url: `${stock}${path}` }]
  if (nginx) targets.push({ route, path: 'nginx', url: `${nginx}${path}` })
  return targets
}

/** What a proxy in front of the trivial upstream costs with less and less of the gateway. */
const FLOORS: { path: Path; file: string }[] = [
  { path: 'floor: Node http + undici client', file: 'servers/floor/node-undici.ts' },
  { path: 'floor: Fastify + undici client', file: 'servers/floor/fastify-undici.ts' },
  { path: 'floor: Fastify + @fastify/http-proxy', file: 'servers/floor/fastify-proxy.ts' },
]

async function floorsTo(cleanup: Cleanup, upstream: string): Promise<Target[]> {
  const targets: Target[] = []
  for (const floor of FLOORS) {
    const url = await startServer(cleanup, floor.path, here(floor.file), { UPSTREAM_URL: upstream })
    targets.push({ route: 'trivial', path: floor.path, url: `${url}/users/1` })
  }
  return targets
}

/**
 * Every target, and the customer's `authorization` each request carries: user-service starts
 * first, as the issuer whose tokens every gateway verifies (the upstreams, nginx and the stock
 * proxy ignore the header).
 */
async function startTargets(
  cleanup: Cleanup,
  floors: boolean,
  side?: Side,
): Promise<{ targets: Target[]; authorization: string }> {
  if (!side && !(await findNginx())) {
    say('nginx is not installed (apt-get install -y nginx): its rows are left out')
  }
  const on = side ?? WORKING_TREE
  const databaseUrl = await postgresFor(cleanup, say)
  await initDatabaseFor(on, databaseUrl)
  say('starting user-service, the issuer of the tokens every request carries')
  const userService = await startShopServer(
    cleanup,
    'user-service',
    ENTRY.userService,
    { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ...(await issuerEnv(cleanup)) },
    { side: on },
  )
  gatewayAuth = authEnv(userService.url)
  const [customer] = await signUpCustomers(userService.url, 1)
  if (!customer) throw new Error('no customer signed up')

  say('starting the trivial upstream and the proxies in front of it')
  say(RAISED_RATE_LIMITS_NOTE)
  const upstream = await startServer(cleanup, 'upstream', here('servers/upstream.ts'), {})
  const trivial = await pathsTo(
    cleanup,
    'trivial',
    { users: upstream, orders: upstream },
    '/users/1',
    side,
  )
  if (floors) trivial.push(...(await floorsTo(cleanup, upstream)))

  say('starting the proxies in front of user-service')
  const real = await pathsTo(
    cleanup,
    'real',
    { users: userService.url, orders: upstream },
    `/users/${customer.id}`,
    side,
  )
  return { targets: [...trivial, ...real], authorization: `Bearer ${customer.token}` }
}

async function measure(
  target: Target,
  options: { duration: number; warmup: number; connections: number; authorization: string },
  round: number,
): Promise<Measured> {
  const headers = { authorization: options.authorization }
  const label = `${target.route} route through ${target.path}`
  const warmup = round === 1 ? options.warmup : 0
  say(`round ${round}, ${label}: ${warmup} s warm-up, ${options.duration} s measured`)
  if (warmup > 0) {
    await runWrk(target.url, { connections: options.connections, durationS: warmup, headers })
  }
  const before = descendantsCpuSeconds()
  const result = await runWrk(target.url, {
    connections: options.connections,
    durationS: options.duration,
    headers,
  })
  const cpu = descendantsCpuSeconds() - before
  if (result.requests === 0) throw new Error(`${label}: no request completed`)
  return { ...target, result, serverCpuUs: (cpu * 1e6) / result.requests }
}

/**
 * Of a configuration's rounds, the one that spent the least CPU per request: on a shared
 * machine a round can be starved by other work, and a starved proxy both serves fewer
 * requests and spends more per request (nothing left to batch per event-loop turn).
 */
function leastDisturbed(rounds: Measured[]) {
  return rounds.reduce((best, m) => (m.serverCpuUs < best.serverCpuUs ? m : best))
}

/**
 * With `side`, one round of a baseline comparison: direct and that side's gateway at `info`
 * and at `warn` on both routes, measured once (the proxies that are no part of either tree
 * left out), nothing printed.
 */
export async function runGatewayBenchmark(argv: string[], side?: Side) {
  const options = parseNumberOptions(argv, USAGE, {
    duration: { default: 5, min: 1, max: 120 },
    warmup: { default: 3, min: 0, max: 60 },
    connections: { default: 64, min: 1, max: 1000 },
    rounds: { default: 3, min: 1, max: 20 },
    floors: { default: 0, min: 0, max: 1 },
  })
  await assertWrkInstalled()
  const cleanup = new Cleanup()
  try {
    const { targets, authorization } = await startTargets(cleanup, options.floors === 1, side)
    const measuring = { ...options, authorization }
    if (side) {
      const measured: Measured[] = []
      for (const target of targets) measured.push(await measure(target, measuring, 1))
      return { rows: figureRows(measured) }
    }
    // Rounds interleave the configurations, so a burst of other work hits one round of
    // each rather than every round of one.
    const rounds: Measured[][] = targets.map(() => [])
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, target] of targets.entries()) {
        rounds[i]?.push(await measure(target, measuring, round))
      }
    }
    return report(argv, rounds.map(leastDisturbed), options)
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
