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
import { uniqueName } from '@shop/test-kit'
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
  'usage: pnpm bench workers [--workers 1,2,4] [--delays 0,50] [--orders N] [--concurrency N] [--rounds N] [--profile 0|1]'

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
  /** PostgreSQL writing transactions and Redis calls (commandstats) during the drain. */
  commits: number
  redisCalls: number
  redisCommands: Record<string, number>
}

interface ServerCounts {
  commits: number
  redisCommands: Record<string, number>
}

/**
 * PostgreSQL's writing transactions and Redis's calls by command, so far. The next transaction
 * id counts every transaction that wrote (each its own commit) at once, which
 * the statistics views do only a while later, and leaves out the benchmark's own read-only
 * polls. Commands run by a Lua script count under their own names as well as under the
 * script's `evalsha`.
 */
async function serverCounts(pool: Pool, redis: { info(section: string): Promise<string> }) {
  const { rows } = await pool.query<{ commits: string }>(
    'select pg_snapshot_xmax(pg_current_snapshot())::text as commits',
  )
  const redisCommands: Record<string, number> = {}
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_(\S+):calls=(\d+)/gm)) {
    redisCommands[match[1] as string] = Number(match[2])
  }
  return { commits: Number(rows[0]?.commits ?? 0), redisCommands }
}

function countsSpent(before: ServerCounts, after: ServerCounts) {
  const redisCommands: Record<string, number> = {}
  for (const [name, calls] of Object.entries(after.redisCommands)) {
    const spent = calls - (before.redisCommands[name] ?? 0)
    if (spent > 0) redisCommands[name] = spent
  }
  return {
    commits: after.commits - before.commits,
    redisCalls: Object.values(redisCommands).reduce((a, b) => a + b, 0),
    redisCommands,
  }
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
    const countsBefore = await serverCounts(infra.pool, producer.redis)
    const before = cpuByProcess(names)
    const startedAt = performance.now()
    await producer.queue.resume()
    await waitUntilProcessed(infra.pool, ids)
    const seconds = (performance.now() - startedAt) / 1000
    const cpu = cpuSpent(before, cpuByProcess(names))
    const counts = countsSpent(countsBefore, await serverCounts(infra.pool, producer.redis))
    const cpuSeconds = Object.values(cpu).reduce((a, b) => a + b, 0)
    return {
      ...round,
      orders: ids.length,
      seconds,
      perSecond: ids.length / seconds,
      cpuSeconds,
      cpu,
      commits: counts.commits,
      redisCalls: counts.redisCalls,
      redisCommands: counts.redisCommands,
    }
  } finally {
    for (const worker of started) await worker.child.stop()
    await producer.queue.obliterate({ force: true }).catch(() => {})
    await producer.close()
  }
}

function report(
  argv: string[],
  rounds: Round[],
  options: { orders: number; concurrency: number; rounds: number },
) {
  console.log()
  console.log(`${commandLine('workers', argv)} · ${machineLine()}`)
  console.log(
    `${options.orders} orders per round, WORKER_CONCURRENCY=${options.concurrency}; fresh workers ` +
      `per round after ${WARMUP_ORDERS} warm-up orders, timed from queue resume to the last order processed` +
      (options.rounds > 1 ? `; each row the least CPU per order of ${options.rounds} rounds` : ''),
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
        'PG commits/order',
        'Redis calls/order',
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
          fixed(round.commits / round.orders, 2),
          fixed(round.redisCalls / round.orders, 1),
        ]
      }),
    ),
  )
  console.log()
  console.log(
    'CPU: every process of the drain (the workers, PostgreSQL, Redis), from /proc, per order;\n' +
      'the columns after it split it by process. PG commits: transactions that wrote, each its\n' +
      "own commit; Redis calls: every command Redis ran, those inside BullMQ's Lua scripts\n" +
      'included.',
  )
  for (const round of rounds) {
    const top = Object.entries(round.redisCommands)
      .sort((a, b) => b[1] - a[1])
      .map(([name, calls]) => `${name} ${fixed(calls / round.orders, 2)}`)
      .join(', ')
    say(`delay ${round.delay} ms, ${round.workers} worker(s), Redis calls per order: ${top}`)
  }
}

export async function runWorkersBenchmark(argv: string[]): Promise<Record<string, unknown>> {
  const options = parseNumberOptions(
    argv,
    USAGE,
    {
      orders: { default: 2_000, min: 1, max: 100_000 },
      concurrency: { default: 4, min: 1, max: 100 },
      rounds: { default: 1, min: 1, max: 10 },
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
    // Rounds interleave the configurations; each row is the configuration's round with the
    // least CPU per order, as in the gateway benchmark: a round starved by other work on a
    // shared machine spends more CPU on each order (smaller batches), which one run cannot tell.
    const best = new Map<string, Round>()
    for (let r = 1; r <= options.rounds; r++) {
      for (const delay of options.delays) {
        for (const workers of options.workers) {
          const round = await runRound(
            cleanup,
            { databaseUrl, redisUrl, pool, profileDir },
            { workers, delay, orders: options.orders, concurrency: options.concurrency },
          )
          const perOrder = (1000 * round.cpuSeconds) / round.orders
          say(
            `round ${r}: delay ${delay} ms, ${workers} worker(s): ${fixed(perOrder, 3)} ms CPU/order, ` +
              `${fixed(round.perSecond, 1)} orders/s`,
          )
          const key = `${delay}/${workers}`
          const kept = best.get(key)
          if (!kept || round.cpuSeconds / round.orders < kept.cpuSeconds / kept.orders) {
            best.set(key, round)
          }
        }
      }
    }
    const rounds = [...best.values()]
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
        postgres_commits_per_order: round.commits / round.orders,
        redis_calls_per_order: round.redisCalls / round.orders,
      })),
    }
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
