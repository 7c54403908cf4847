/**
 * Order throughput as workers scale: for each processing delay and each N, N worker processes
 * drain the same backlog of orders, written straight to PostgreSQL and queued while the queue
 * is paused, so the clock and the CPU figures belong to the drain alone: the workers,
 * PostgreSQL and Redis, nothing else runs. PROCESSING_DELAY_MS stands for I/O-bound payment
 * work; at 0 the figures are the pure cost of moving an order through the queue.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@shop/platform'
import { createPool } from '@shop/platform/postgres'
import { uniqueName } from '@shop/platform/testing'
import { migrateDatabase } from '../order-service/src/db/migrate.js'
import { createOrderQueue } from '../order-service/src/orders/order-queue.js'
import { Cleanup } from './lib/cleanup.js'
import { cpuByProcess, cpuSpent } from './lib/cpu-by-process.js'
import { postgresFor, redisFor } from './lib/infra.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import { waitUntilProcessed } from './lib/orders.js'
import { ENTRY, type StartedServer, startServer } from './lib/services.js'
import { fixed, formatTable, ratio } from './lib/table.js'

const USAGE =
  'usage: pnpm bench workers [--workers 1,2,4] [--delays 0,50] [--orders N] [--concurrency N] [--profile 0|1]'

const WARMUP_ORDERS = 100
const say = (line: string) => process.stderr.write(`${line}\n`)

interface Round {
  delay: number
  workers: number
  orders: number
  seconds: number
  perSecond: number
  cpuSeconds: number
  cpu: Record<string, number>
}

type Pool = ReturnType<typeof createPool>

/** `count` pending orders written in one statement, as order-service would have committed them. */
async function insertOrders(pool: Pool, count: number) {
  const { rows } = await pool.query<{ id: number }>(
    `insert into orders.orders (user_id, item, quantity, enqueued_at)
     select 1, 'benchmark item', 1, now() from generate_series(1, $1) returning id`,
    [count],
  )
  return rows.map((row) => row.id)
}

async function runRound(
  cleanup: Cleanup,
  infra: { databaseUrl: string; redisUrl: string; pool: Pool; profileDir: string | undefined },
  round: { workers: number; delay: number; orders: number; concurrency: number },
): Promise<Round> {
  const queueName = uniqueName('bench_orders')
  const producer = createOrderQueue({
    redisUrl: infra.redisUrl,
    queueName,
    maxAttempts: 5,
    backoffMs: 1_000,
    log: createLogger('bench', 'warn'),
  })
  const started: StartedServer[] = []
  const names = new Map<number, string>()
  try {
    say(`delay ${round.delay} ms, ${round.workers} worker(s): starting the workers`)
    for (let i = 0; i < round.workers; i++) {
      const name = `worker-${i + 1}`
      const worker = await startServer(
        cleanup,
        name,
        ENTRY.worker,
        {
          DATABASE_URL: infra.databaseUrl,
          REDIS_URL: infra.redisUrl,
          ORDER_QUEUE_NAME: queueName,
          PROCESSING_DELAY_MS: String(round.delay),
          WORKER_CONCURRENCY: String(round.concurrency),
          PAYMENT_FAILURE_RATE: '0',
        },
        {
          portVariable: 'WORKER_PORT',
          ...(infra.profileDir
            ? { profileDir: join(infra.profileDir, `d${round.delay}-w${round.workers}`) }
            : {}),
        },
      )
      started.push(worker)
      names.set(worker.child.pid, 'workers')
    }
    // Every worker has then run its code paths: the measured drain meets warm JIT.
    const warmup = await insertOrders(infra.pool, WARMUP_ORDERS)
    await producer.enqueue(warmup)
    await waitUntilProcessed(infra.pool, warmup)

    await producer.queue.pause()
    const ids = await insertOrders(infra.pool, round.orders)
    for (let i = 0; i < ids.length; i += 500) await producer.enqueue(ids.slice(i, i + 500))
    say(
      `delay ${round.delay} ms, ${round.workers} worker(s): ${ids.length} orders queued; draining`,
    )
    const before = cpuByProcess(names)
    const startedAt = performance.now()
    await producer.queue.resume()
    await waitUntilProcessed(infra.pool, ids)
    const seconds = (performance.now() - startedAt) / 1000
    const cpu = cpuSpent(before, cpuByProcess(names))
    const cpuSeconds = Object.values(cpu).reduce((a, b) => a + b, 0)
    return {
      ...round,
      orders: ids.length,
      seconds,
      perSecond: ids.length / seconds,
      cpuSeconds,
      cpu,
    }
  } finally {
    for (const worker of started) await worker.child.stop()
    await producer.queue.obliterate({ force: true }).catch(() => {})
    await producer.close()
  }
}

function report(argv: string[], rounds: Round[], options: { orders: number; concurrency: number }) {
  console.log()
  console.log(`${commandLine('workers', argv)} · ${machineLine()}`)
  console.log(
    `${options.orders} orders per round, WORKER_CONCURRENCY=${options.concurrency}; fresh workers ` +
      `per round after ${WARMUP_ORDERS} warm-up orders, timed from queue resume to the last order processed`,
  )
  console.log()
  const parts = [...new Set(rounds.flatMap((round) => Object.keys(round.cpu)))].sort()
  console.log(
    formatTable(
      [
        'delay ms',
        'workers',
        'seconds',
        'orders/s',
        'vs 1 worker',
        'CPU ms/order',
        ...parts.map((p) => `${p} ms`),
      ],
      rounds.map((round) => {
        const one = rounds.find((r) => r.delay === round.delay && r.workers === 1)
        return [
          String(round.delay),
          String(round.workers),
          fixed(round.seconds, 2),
          fixed(round.perSecond, 1),
          ratio(round.perSecond, one?.perSecond ?? Number.NaN),
          fixed((1000 * round.cpuSeconds) / round.orders, 3),
          ...parts.map((part) => fixed((1000 * (round.cpu[part] ?? 0)) / round.orders, 3)),
        ]
      }),
    ),
  )
  console.log()
  console.log(
    'CPU: every process of the drain (the workers, PostgreSQL, Redis), from /proc, per order;\n' +
      'the columns after it split it by process.',
  )
}

export async function runWorkersBenchmark(argv: string[]): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(
    argv,
    USAGE,
    {
      orders: { default: 2_000, min: 1, max: 100_000 },
      concurrency: { default: 4, min: 1, max: 100 },
      profile: { default: 0, min: 0, max: 1 },
    },
    {
      workers: { default: [1, 2, 4], min: 1, max: 32 },
      delays: { default: [0, 50], min: 0, max: 10_000 },
    },
  )
  const cleanup = new Cleanup()
  try {
    const profileDir = options.profile
      ? await mkdtemp(join(tmpdir(), 'shop-bench-profile-'))
      : undefined
    const databaseUrl = await postgresFor(cleanup, say)
    await migrateDatabase(databaseUrl)
    const redisUrl = await redisFor(cleanup, say)
    const pool = createPool({ url: databaseUrl, applicationName: 'bench-workers', max: 2 })
    cleanup.add('bench pool', () => pool.end())
    const rounds: Round[] = []
    for (const delay of options.delays) {
      for (const workers of options.workers) {
        rounds.push(
          await runRound(
            cleanup,
            { databaseUrl, redisUrl, pool, profileDir },
            {
              workers,
              delay,
              orders: options.orders,
              concurrency: options.concurrency,
            },
          ),
        )
      }
    }
    report(argv, rounds, options)
    if (profileDir) say(`CPU profiles of the workers are in ${profileDir}`)
    return {
      rounds: rounds.map((round) => ({
        delay_ms: round.delay,
        workers: round.workers,
        orders: round.orders,
        seconds: round.seconds,
        orders_per_second: round.perSecond,
        cpu_ms_per_order: (1000 * round.cpuSeconds) / round.orders,
        cpu_ms_per_order_by_process: Object.fromEntries(
          Object.entries(round.cpu).map(([name, s]) => [name, (1000 * s) / round.orders]),
        ),
      })),
    }
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
