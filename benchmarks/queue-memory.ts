/**
 * `pnpm bench queue-memory [--jobs N]`: what an order's job costs Redis. Adds N jobs through
 * order-service's own `createOrderQueue` (ids and a request id, as the API adds them; once
 * more with a trace context, as when tracing is on), reads `INFO memory`'s `used_memory`
 * before, after adding and after a worker has completed them (or failed them after every
 * attempt), and `MEMORY USAGE` of one job and of the queue's event stream.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger } from '@shop/platform'
import { createWorkerRedis } from '@shop/platform/redis'
import { uniqueName } from '@shop/test-kit'
import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { createOrderQueue } from '../order-service/src/orders/order-queue.js'
import { Cleanup } from './lib/cleanup.js'
import { redisFor } from './lib/infra.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import { fixed, formatTable } from './lib/table.js'

const USAGE = 'usage: pnpm bench queue-memory [--jobs N]'
const say = (line: string) => process.stderr.write(`${line}\n`)
const ATTEMPTS = 5

interface Round {
  name: string
  traced: boolean
  fail: boolean
}
const ROUNDS: Round[] = [
  { name: 'completed', traced: false, fail: false },
  { name: 'completed, tracing on', traced: true, fail: false },
  { name: `failed after ${ATTEMPTS} attempts`, traced: false, fail: true },
]

async function usedMemory(redis: Redis) {
  // Let the server settle what the last commands freed or allocated.
  await sleep(300)
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1])
}

const memoryUsage = async (redis: Redis, key: string) =>
  Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))

const traceContext = () =>
  JSON.stringify({
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  })

async function measure(redisUrl: string, admin: Redis, jobs: number, round: Round) {
  const log = createLogger('bench', 'silent')
  const orders = createOrderQueue({
    redisUrl,
    queueName: uniqueName('bench_memory'),
    maxAttempts: ATTEMPTS,
    backoffMs: 1,
    log,
  })
  const { queue } = orders
  await queue.waitUntilReady()
  const before = await usedMemory(admin)
  for (let first = 1; first <= jobs; first += 100) {
    const ids = Array.from({ length: Math.min(100, jobs - first + 1) }, (_, i) => first + i)
    const origins = ids.map(() => ({
      requestId: randomUUID(),
      traceContext: round.traced ? traceContext() : undefined,
    }))
    await orders.enqueue(ids, origins)
  }
  const waiting = await usedMemory(admin)
  const connection = createWorkerRedis(redisUrl)
  const worker = new Worker(
    queue.name,
    async (job) => {
      if (round.fail) throw new Error('payment declined')
      return { order_id: job.data.order_id, status: 'processed', changed: true }
    },
    { connection, concurrency: 50 },
  )
  while (
    Object.values(await queue.getJobCounts('completed', 'failed')).reduce((a, b) => a + b) < jobs
  ) {
    await sleep(200)
  }
  await worker.close()
  connection.disconnect()
  const kept = await usedMemory(admin)
  const figures = {
    waiting_bytes_per_job: (waiting - before) / jobs,
    kept_bytes_per_job: (kept - before) / jobs,
    job_hash_bytes: await memoryUsage(admin, queue.toKey('order-1')),
    events: await admin.xlen(queue.toKey('events')),
    events_bytes: await memoryUsage(admin, queue.toKey('events')),
  }
  await queue.obliterate({ force: true })
  await orders.close()
  return figures
}

export async function runQueueMemoryBenchmark(argv: string[]): Promise<Record<string, unknown>> {
  const { jobs } = parseNumberOptions(argv, USAGE, {
    jobs: { default: 1_000, min: 100, max: 100_000 },
  })
  const cleanup = new Cleanup()
  try {
    const redisUrl = await redisFor(cleanup, say)
    const admin = createWorkerRedis(redisUrl)
    cleanup.add('bench Redis connection', async () => admin.disconnect())
    const server = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1]
    // The first queue loads BullMQ's scripts into Redis: measure after that.
    await measure(redisUrl, admin, 100, ROUNDS[0] as Round)
    const results: Record<string, Awaited<ReturnType<typeof measure>>> = {}
    for (const round of ROUNDS) {
      say(`${round.name}: ${jobs} jobs`)
      results[round.name] = await measure(redisUrl, admin, jobs, round)
    }
    console.log(`${commandLine('queue-memory', argv)}\n${machineLine()}, redis-server ${server}\n`)
    const header = ['jobs', 'waiting B/job', 'kept B/job', 'job hash B', 'events', 'events B']
    const rows = Object.entries(results).map(([name, r]) => [
      name,
      fixed(r.waiting_bytes_per_job),
      fixed(r.kept_bytes_per_job),
      String(r.job_hash_bytes),
      String(r.events),
      String(r.events_bytes),
    ])
    console.log(formatTable(header, rows))
    return { redis_version: server, jobs, rounds: results }
  } finally {
    await cleanup.run()
  }
}
