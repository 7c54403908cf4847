/**
 * The whole order path under load: orders placed through the gateway (wrk, fixed connections
 * and duration) while 2 workers drain them at PROCESSING_DELAY_MS=0, then the clock runs until
 * the last order is processed. CPU per order counts every process the benchmark started (the
 * gateway, both services, the workers, PostgreSQL, Redis), from /proc, wrk excluded.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPool } from '@shop/platform/postgres'
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
import { assertWrkInstalled } from './lib/wrk.js'
import { runWrkPost } from './lib/wrk-post.js'

const USAGE =
  'usage: pnpm bench pipeline [--duration S] [--warmup S] [--connections N] [--workers N] [--profile 0|1]'
const DRAIN_TIMEOUT_MS = 180_000

const say = (line: string) => process.stderr.write(`${line}\n`)

type Pool = ReturnType<typeof createPool>

async function maxOrderId(pool: Pool) {
  const { rows } = await pool.query<{ id: number }>(
    'select coalesce(max(id), 0)::int as id from orders.orders',
  )
  return rows[0]?.id ?? 0
}

/** Waits until every order after `afterId` is final; returns how many there are. */
async function waitUntilDrained(pool: Pool, afterId: number) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  for (;;) {
    // PostgreSQL's CPU is measured: while orders are open, the `(status, id)` index answers
    // from its first entry; the orders are counted once, at the end.
    const { rows } = await pool.query<{ open: boolean }>(
      `select exists (select 1 from orders.orders
                       where status in ('pending', 'processing') and id > $1) as open`,
      [afterId],
    )
    if (!rows[0]?.open) {
      const counted = await pool.query<{ total: number }>(
        'select count(*)::int as total from orders.orders where id > $1',
        [afterId],
      )
      return counted.rows[0]?.total ?? 0
    }
    if (Date.now() > deadline) throw new Error('orders still open after 180 s')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** With `side`, one round of a baseline comparison: that side measured once, nothing printed. */
export async function runPipelineBenchmark(
  argv: string[],
  side?: Side,
): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(argv, USAGE, {
    duration: { default: 10, min: 1, max: 300 },
    warmup: { default: 3, min: 0, max: 60 },
    connections: { default: 32, min: 1, max: 1_000 },
    workers: { default: 2, min: 1, max: 16 },
    profile: { default: 0, min: 0, max: 1 },
  })
  await assertWrkInstalled()
  const cleanup = new Cleanup()
  try {
    const profileDir = options.profile
      ? await mkdtemp(join(tmpdir(), 'shop-bench-profile-'))
      : undefined
    const on = side ?? WORKING_TREE
    const serverOptions = { side: on, ...(profileDir ? { profileDir } : {}) }
    const databaseUrl = await postgresFor(cleanup, say)
    await initDatabaseFor(on, databaseUrl)
    const redisUrl = await redisFor(cleanup, say)
    const pool = createPool({ url: databaseUrl, applicationName: 'bench-pipeline', max: 2 })
    cleanup.add('bench pool', () => pool.end())
    const names = new Map<number, string>()
    const common = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }
    const queue = { ORDER_QUEUE_NAME: uniqueName('bench_pipeline') }
    say('starting user-service, order-service, the workers and the gateway')
    say(RAISED_RATE_LIMITS_NOTE)
    const userService = await startServer(
      cleanup,
      'user-service',
      ENTRY.userService,
      { ...common, ...(await issuerEnv(cleanup)) },
      serverOptions,
    )
    names.set(userService.child.pid, 'user-service')
    const auth = authEnv(userService.url)
    const orderService = await startServer(
      cleanup,
      'order-service',
      ENTRY.orderService,
      { ...common, ...auth, ...queue, USER_SERVICE_URL: userService.url },
      serverOptions,
    )
    names.set(orderService.child.pid, 'order-service')
    for (let i = 0; i < options.workers; i++) {
      const worker = await startServer(
        cleanup,
        `worker-${i + 1}`,
        ENTRY.worker,
        { ...common, ...queue, PROCESSING_DELAY_MS: '0', PAYMENT_FAILURE_RATE: '0' },
        { portVariable: 'WORKER_PORT', ...serverOptions },
      )
      names.set(worker.child.pid, 'workers')
    }
    const gateway = await startServer(
      cleanup,
      'api-gateway',
      ENTRY.gateway,
      {
        ...auth,
        USER_SERVICE_URL: userService.url,
        ORDER_SERVICE_URL: orderService.url,
        // Counted in Redis, as in production.
        REDIS_URL: redisUrl,
        ...RAISED_RATE_LIMITS,
      },
      { side: on },
    )
    names.set(gateway.child.pid, 'api-gateway')
    // One customer per connection, each ordering for themselves with their own token.
    const customers = await signUpCustomers(userService.url, options.connections)
    const url = `${gateway.url}/orders`
    const body = { ordersOf: customers }

    say(`warm-up: ${options.warmup} s of orders, then the drain`)
    const warmupFrom = await maxOrderId(pool)
    await runWrkPost(url, body, { connections: options.connections, durationS: options.warmup })
    await waitUntilDrained(pool, warmupFrom)

    say(`measuring: ${options.duration} s of orders through the gateway, then the drain`)
    const from = await maxOrderId(pool)
    const before = cpuByProcess(names)
    const startedAt = performance.now()
    const load = await runWrkPost(url, body, {
      connections: options.connections,
      durationS: options.duration,
    })
    const placedSeconds = (performance.now() - startedAt) / 1000
    const orders = await waitUntilDrained(pool, from)
    const seconds = (performance.now() - startedAt) / 1000
    const cpu = cpuSpent(before, cpuByProcess(names))
    // wrk runs under a shell: its CPU is the load, not the system under test.
    delete cpu.sh
    const cpuSeconds = Object.values(cpu).reduce((a, b) => a + b, 0)
    const { rows } = await pool.query<{ failed: number }>(
      `select count(*)::int as failed from orders.orders where id > $1 and status <> 'processed'`,
      [from],
    )
    const failed = rows[0]?.failed ?? 0

    if (!side) {
      console.log()
      console.log(`${commandLine('pipeline', argv)} · ${machineLine()}`)
      console.log(
        `POST /orders through the gateway for ${options.duration} s (${options.connections} connections, ` +
          `after ${options.warmup} s warm-up) while ${options.workers} workers drain at PROCESSING_DELAY_MS=0; ` +
          'services at their default LOG_LEVEL',
      )
      console.log()
      console.log(
        formatTable(
          [
            'orders',
            'placed/s',
            'seconds to drain all',
            'orders/s end to end',
            'CPU ms/order',
            'not processed',
          ],
          [
            [
              String(orders),
              fixed(orders / placedSeconds),
              fixed(seconds, 2),
              fixed(orders / seconds),
              fixed((1000 * cpuSeconds) / orders, 2),
              String(failed),
            ],
          ],
        ),
      )
      console.log()
      console.log(
        formatTable(
          ['process', 'CPU ms/order'],
          Object.entries(cpu)
            .sort((a, b) => b[1] - a[1])
            .map(([name, s]) => [name, fixed((1000 * s) / orders, 3)]),
        ),
      )
    }
    if (load.errors > 0) say(`${load.errors} requests failed or answered other than 2xx`)
    if (failed > 0) {
      const { rows: reasons } = await pool.query<{ reason: string; count: number }>(
        `select coalesce(failure_reason, status) as reason, count(*)::int as count
           from orders.orders where id > $1 and status <> 'processed' group by 1 order by 2 desc`,
        [from],
      )
      for (const { reason, count } of reasons) say(`not processed: ${count} × ${reason}`)
    }
    if (profileDir) say(`CPU profiles are written to ${profileDir} as the processes stop`)
    return {
      orders,
      placed_per_second: orders / placedSeconds,
      seconds,
      orders_per_second: orders / seconds,
      cpu_ms_per_order: (1000 * cpuSeconds) / orders,
      cpu_ms_per_order_by_process: Object.fromEntries(
        Object.entries(cpu).map(([name, s]) => [name, (1000 * s) / orders]),
      ),
      not_processed: failed,
      load_errors: load.errors,
    }
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
