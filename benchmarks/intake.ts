/**
 * Intake: how fast order-service accepts orders (POST /orders: the user check, the insert, the
 * enqueue) against how fast user-service registers users (POST /users: one insert), straight
 * to each service and through the gateway, with no worker draining the queue. Both services
 * share one PostgreSQL; the ratio of the two req/s is the figure, CPU per request from /proc
 * says where it goes.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { uniqueName } from '@shop/test-kit'
import { Cleanup } from './lib/cleanup.js'
import { cpuByProcess, cpuSpent } from './lib/cpu-by-process.js'
import { initDatabaseFor, postgresFor, redisFor } from './lib/infra.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import {
  authEnv,
  ENTRY,
  issuerEnv,
  RAISED_RATE_LIMITS,
  RAISED_RATE_LIMITS_NOTE,
  signUpCustomers,
  startServer,
} from './lib/services.js'
import { type Side, WORKING_TREE } from './lib/side.js'
import { fixed, formatTable } from './lib/table.js'
import { assertWrkInstalled, type LoadResult } from './lib/wrk.js'
import { type PostBody, runWrkPost } from './lib/wrk-post.js'

const USAGE =
  'usage: pnpm bench intake [--duration S] [--warmup S] [--connections N] [--profile 0|1]'

const say = (line: string) => process.stderr.write(`${line}\n`)

interface Target {
  path: 'direct' | 'api-gateway'
  route: 'POST /users' | 'POST /orders'
  url: string
  body: () => PostBody
}

interface Measured extends Target {
  result: LoadResult
  cpuUs: number
  /** CPU µs per request of each process. */
  byProcess: Record<string, number>
}

async function measure(
  names: Map<number, string>,
  target: Target,
  options: { duration: number; warmup: number; connections: number },
) {
  say(`${target.route} ${target.path}: ${options.warmup} s warm-up, ${options.duration} s measured`)
  await runWrkPost(target.url, target.body(), {
    connections: options.connections,
    durationS: options.warmup,
  })
  const before = cpuByProcess(names)
  const result = await runWrkPost(target.url, target.body(), {
    connections: options.connections,
    durationS: options.duration,
  })
  const spent = cpuSpent(before, cpuByProcess(names))
  // wrk runs under a shell: its CPU is the load, not the system under test.
  delete spent.sh
  const cpu = Object.values(spent).reduce((a, b) => a + b, 0)
  if (result.errors > 0) say(`  ${result.errors} errors or non-2xx answers`)
  const perRequest = (seconds: number) => (seconds * 1e6) / result.requests
  const byProcess = Object.fromEntries(Object.entries(spent).map(([n, s]) => [n, perRequest(s)]))
  return { ...target, result, cpuUs: perRequest(cpu), byProcess }
}

/** `POST /orders` req/s ÷ `POST /users` req/s, straight and through the gateway. */
function ratiosOf(rows: Measured[]) {
  const ratios: Record<string, number> = {}
  for (const path of ['direct', 'api-gateway'] as const) {
    const users = rows.find((row) => row.path === path && row.route === 'POST /users')
    const orders = rows.find((row) => row.path === path && row.route === 'POST /orders')
    if (users && orders) ratios[path] = orders.result.rps / users.result.rps
  }
  return ratios
}

function report(argv: string[], rows: Measured[], options: Record<string, unknown>) {
  const parts = [...new Set(rows.flatMap((row) => Object.keys(row.byProcess)))].sort()
  console.log()
  console.log(`${commandLine('intake', argv)} · ${machineLine()}`)
  console.log(
    `${options.connections} connections, ${options.duration} s after ${options.warmup} s warm-up each; ` +
      `services at LOG_LEVEL=warn, no worker running`,
  )
  console.log()
  console.log(
    formatTable(
      ['path', 'route', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req', ...parts],
      rows.map((row) => [
        row.path,
        row.route,
        fixed(row.result.rps),
        fixed(row.result.p50Ms, 2),
        fixed(row.result.p99Ms, 2),
        String(row.result.errors),
        fixed(row.cpuUs),
        ...parts.map((part) => fixed(row.byProcess[part] ?? 0)),
      ]),
    ),
  )
  console.log()
  for (const [path, value] of Object.entries(ratiosOf(rows))) {
    console.log(`POST /orders ÷ POST /users req/s, ${path}: ${value.toFixed(2)}`)
  }
  console.log(
    'CPU µs/req: every process the benchmark started (services, gateway, PostgreSQL, Redis), wrk\n' +
      'excluded, from /proc; the columns after it split it by process.',
  )
}

/** With `side`, one round of a baseline comparison: that side measured once, nothing printed. */
export async function runIntakeBenchmark(
  argv: string[],
  side?: Side,
): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(argv, USAGE, {
    duration: { default: 10, min: 1, max: 300 },
    warmup: { default: 3, min: 0, max: 60 },
    connections: { default: 32, min: 1, max: 1_000 },
    profile: { default: 0, min: 0, max: 1 },
  })
  await assertWrkInstalled()
  const cleanup = new Cleanup()
  try {
    const profileDir = options.profile
      ? await mkdtemp(join(tmpdir(), 'shop-bench-profile-'))
      : undefined
    const on = side ?? WORKING_TREE
    const databaseUrl = await postgresFor(cleanup, say)
    await initDatabaseFor(on, databaseUrl)
    const redisUrl = await redisFor(cleanup, say)
    say('starting user-service, order-service and a gateway in front of them')
    say(RAISED_RATE_LIMITS_NOTE)
    const common = { LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }
    const userService = await startServer(
      cleanup,
      'user-service',
      ENTRY.userService,
      { ...common, ...(await issuerEnv(cleanup)) },
      { profileDir, side: on },
    )
    const auth = authEnv(userService.url)
    const orderService = await startServer(
      cleanup,
      'order-service',
      ENTRY.orderService,
      {
        ...common,
        ...auth,
        USER_SERVICE_URL: userService.url,
        ORDER_QUEUE_NAME: uniqueName('bench_intake'),
      },
      { profileDir, side: on },
    )
    const gateway = await startServer(
      cleanup,
      'api-gateway',
      ENTRY.gateway,
      {
        LOG_LEVEL: 'warn',
        ...auth,
        USER_SERVICE_URL: userService.url,
        ORDER_SERVICE_URL: orderService.url,
        // Counted in Redis, as in production.
        REDIS_URL: redisUrl,
        ...RAISED_RATE_LIMITS,
      },
      { side: on },
    )
    const names = new Map<number, string>([
      [userService.child.pid, 'user-service'],
      [orderService.child.pid, 'order-service'],
      [gateway.child.pid, 'api-gateway'],
    ])
    // One customer per connection, each ordering for themselves with their own token.
    const customers = await signUpCustomers(userService.url, options.connections)
    const order = (): PostBody => ({ ordersOf: customers })
    const user = (): PostBody => ({ newUserPrefix: uniqueName('intake') })
    const targets: Target[] = [
      { path: 'direct', route: 'POST /users', url: `${userService.url}/users`, body: user },
      { path: 'direct', route: 'POST /orders', url: `${orderService.url}/orders`, body: order },
      { path: 'api-gateway', route: 'POST /users', url: `${gateway.url}/users`, body: user },
      { path: 'api-gateway', route: 'POST /orders', url: `${gateway.url}/orders`, body: order },
    ]
    const rows: Measured[] = []
    for (const target of targets) rows.push(await measure(names, target, options))
    if (!side) report(argv, rows, options)
    const ratios = ratiosOf(rows)
    if (profileDir) say(`CPU profiles are written to ${profileDir} as the services stop`)
    return {
      ratio_orders_to_users_direct: ratios.direct,
      ratio_orders_to_users_gateway: ratios['api-gateway'],
      rows: rows.map((row) => ({
        path: row.path,
        route: row.route,
        rps: row.result.rps,
        p50_ms: row.result.p50Ms,
        p99_ms: row.result.p99Ms,
        errors: row.result.errors,
        cpu_us_per_request: row.cpuUs,
        cpu_us_per_request_by_process: row.byProcess,
      })),
    }
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
