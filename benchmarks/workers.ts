/**
 * Order throughput as workers scale: for each N, the native stack with N workers drains the
 * same backlog of orders, placed through order-service while the queue is paused, so the
 * clock measures the workers alone. PROCESSING_DELAY_MS stands for I/O-bound payment work.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPool, createWorkerRedis } from '@shop/platform'
import { uniqueName } from '@shop/platform/testing'
import { Queue } from 'bullmq'
import { freeStackPorts, startStack } from '../scripts/stack/index.js'
import { Cleanup } from './lib/cleanup.js'
import { descendantsCpuSeconds } from './lib/cpu.js'
import { postgresFor, redisFor } from './lib/infra.js'
import { parseNumberOptions } from './lib/options.js'
import { placeOrders, waitUntilProcessed } from './lib/orders.js'
import { type Round, report } from './lib/workers-report.js'

const USAGE =
  'usage: pnpm bench workers [--workers 1,2,4] [--orders N] [--delay MS] [--concurrency N]'

const WARMUP_ORDERS = 50

const say = (line: string) => process.stderr.write(`${line}\n`)

async function createUser(userServiceUrl: string) {
  const response = await fetch(`${userServiceUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${uniqueName('bench')}@example.com`, full_name: 'Bench' }),
  })
  if (response.status !== 201) throw new Error(`POST /users answered ${response.status}`)
  return ((await response.json()) as { id: number }).id
}

async function runRound(
  cleanup: Cleanup,
  workers: number,
  infra: { databaseUrl: string; redisUrl: string; dataDir: string },
  options: { orders: number; delay: number; concurrency: number },
): Promise<Round> {
  const queueName = uniqueName('bench_orders')
  say(`${workers} worker(s): starting user-service, order-service and the workers`)
  const stack = await startStack({
    mode: 'source',
    ports: await freeStackPorts(workers),
    workers,
    databaseUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    dataDir: infra.dataDir,
    board: { user: 'bench', password: randomBytes(12).toString('hex'), defaulted: false },
    env: {
      ORDER_QUEUE_NAME: queueName,
      PROCESSING_DELAY_MS: String(options.delay),
      WORKER_CONCURRENCY: String(options.concurrency),
      PAYMENT_FAILURE_RATE: '0',
    },
    output: null,
  })
  cleanup.add(`stack with ${workers} worker(s)`, () => stack.stop())
  const redis = createWorkerRedis(infra.redisUrl)
  const queue = new Queue(queueName, { connection: redis })
  const pool = createPool({ url: infra.databaseUrl, applicationName: 'bench-workers', max: 2 })
  try {
    const userId = await createUser(stack.urls.userService)
    // Every process has then run its code paths once: the measured batch meets warm JIT.
    const warmup = Math.min(WARMUP_ORDERS, options.orders)
    await waitUntilProcessed(pool, await placeOrders(stack.urls.orderService, userId, warmup))
    await queue.pause()
    const placedAt = performance.now()
    const ids = await placeOrders(stack.urls.orderService, userId, options.orders)
    const placedSeconds = (performance.now() - placedAt) / 1000
    say(`${workers} worker(s): ${ids.length} orders placed; draining the queue`)
    const cpuBefore = descendantsCpuSeconds()
    const startedAt = performance.now()
    await queue.resume()
    await waitUntilProcessed(pool, ids)
    const seconds = (performance.now() - startedAt) / 1000
    const cpuSeconds = descendantsCpuSeconds() - cpuBefore
    return {
      workers,
      placedPerSecond: ids.length / placedSeconds,
      seconds,
      perSecond: ids.length / seconds,
      cpuSeconds,
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
    redis.disconnect()
    await pool.end()
    await stack.stop()
  }
}

export async function runWorkersBenchmark(argv: string[]) {
  const options = parseNumberOptions(
    argv,
    USAGE,
    {
      orders: { default: 400, min: 1, max: 100_000 },
      delay: { default: 50, min: 0, max: 10_000 },
      concurrency: { default: 4, min: 1, max: 100 },
    },
    { workers: { default: [1, 2, 4], min: 1, max: 32 } },
  )
  const cleanup = new Cleanup()
  try {
    const databaseUrl = await postgresFor(cleanup, say)
    const redisUrl = await redisFor(cleanup, say)
    const dataDir = await mkdtemp(join(tmpdir(), 'shop-bench-stack-'))
    cleanup.add('scratch directory', () => rm(dataDir, { recursive: true, force: true }))
    cleanup.tempDir(dataDir)
    const rounds: Round[] = []
    for (const workers of options.workers) {
      rounds.push(await runRound(cleanup, workers, { databaseUrl, redisUrl, dataDir }, options))
    }
    report(argv, rounds, { ...options, warmup: WARMUP_ORDERS })
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
