import { Counter } from '@prometheus-io/client'
import { createServiceApp, health, isDependencyUnavailable, openApi } from '@shop/platform'
import { pingDatabase, postgres } from '@shop/platform/postgres'
import { createWorkerRedis } from '@shop/platform/redis'
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq'
import type { WorkerConfig } from '../config.js'
import { isFinalFailure, OrderJobData, unavailableRetryDelay } from '../orders/order-job.js'
import { createOrdersRepository } from '../orders/orders-repository.js'
import { queueTelemetry } from '../orders/queue-telemetry.js'
import { createJobTimings } from './job-timings.js'
import { createOrderProcessor, type ProcessOrderOptions } from './process-order.js'
import { registerQueueGauges } from './queue-gauges.js'

export type WorkerOverrides = Pick<ProcessOrderOptions, 'random' | 'wait'>

const STALLED_TOO_OFTEN = 'processing was interrupted too many times'

/**
 * The order worker: a BullMQ Worker plus a small HTTP app for `/healthz`, `/readyz` and
 * `/metrics`. Closing the app first lets the worker finish its active jobs (`worker.close()`),
 * then releases the pool and Redis. Stalled jobs (their worker died) are BullMQ's business:
 * after `WORKER_LOCK_DURATION_MS` without a lock renewal, the next stalled check of any worker
 * (every `WORKER_STALLED_INTERVAL_MS`) puts them back in the queue.
 */
export async function buildWorker(config: WorkerConfig, overrides: WorkerOverrides = {}) {
  const app = await createServiceApp({ name: 'order-worker', logLevel: config.LOG_LEVEL })
  await app.register(postgres, {
    url: config.DATABASE_URL,
    applicationName: 'order-worker',
    max: config.WORKER_CONCURRENCY + 2,
  })
  const orders = createOrdersRepository(app.db)
  const redis = createWorkerRedis(config.REDIS_URL)
  // Its own errors surface through /readyz; BullMQ reports those of its connections below.
  redis.on('error', () => {})

  const registers = [app.metricsRegistry]
  const processed = new Counter({
    name: 'orders_processed_total',
    help: 'Orders processed',
    registers,
  })
  const failed = new Counter({
    name: 'orders_failed_total',
    help: 'Orders that failed for good',
    registers,
  })
  const failedAttempts = new Counter({
    name: 'order_job_failed_attempts_total',
    help: 'Processing attempts that failed (retried or not)',
    registers,
  })

  /** The order a job is about, if its data is well formed. */
  const orderIdOf = (job: Job) => OrderJobData.safeParse(job.data).data?.order_id
  /** A job's log: the id of the request that placed its order rides on every line. */
  const jobLog = (job: Job) => {
    const data = OrderJobData.safeParse(job.data).data
    return app.log.child({ reqId: data?.request_id, job_id: job.id, order_id: data?.order_id })
  }
  const dependencyWaits = new Counter({
    name: 'order_job_dependency_waits_total',
    help: 'Processing attempts put off, uncounted, because a dependency was unavailable',
    registers,
  })
  const mustWait = (error: unknown) =>
    !(error instanceof UnrecoverableError) && isDependencyUnavailable(error)
  /**
   * Puts the job back among the delayed ones without counting the attempt, so an outage of
   * any length leaves its attempts to the order's own failures. If Redis cannot take the
   * move, the attempt fails as any other would.
   */
  async function waitForDependency(job: Job, token: string, error: unknown) {
    const delay = unavailableRetryDelay(job)
    try {
      await job.moveToDelayed(Date.now() + delay, token)
    } catch {
      throw error
    }
    dependencyWaits.inc()
    jobLog(job).warn(
      { err: error, retry_in_ms: delay },
      'order job put off: a dependency is unavailable; this attempt does not count',
    )
  }
  const processOrder = createOrderProcessor({
    orders,
    delayMs: config.PROCESSING_DELAY_MS,
    failureRate: config.PAYMENT_FAILURE_RATE,
    ...overrides,
  })
  const timed = createJobTimings(app.metricsRegistry)
  const worker = new Worker(
    config.ORDER_QUEUE_NAME,
    (job, token) =>
      timed(job, async () => {
        let result: Awaited<ReturnType<typeof processOrder>>
        try {
          result = await processOrder(job)
        } catch (error) {
          if (token === undefined || !mustWait(error)) throw error
          await waitForDependency(job, token, error)
          throw new DelayedError()
        }
        // Counted when the database changes, not when the queue hears of it: a job whose
        // completion never reaches Redis (paused, or this process killed right after) is run
        // again elsewhere without effect, so each processed order is counted exactly once.
        if (result.changed) processed.inc()
        jobLog(job).info({ status: result.status, changed: result.changed }, 'order job done')
        return result
      }),
    {
      connection: redis,
      prefix: config.ORDER_QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      telemetry: await queueTelemetry(),
    },
  )
  // Only to read: the state of jobs reported as stalled, and the queue's gauges.
  const queue = new Queue(config.ORDER_QUEUE_NAME, {
    connection: redis,
    prefix: config.ORDER_QUEUE_PREFIX,
  })
  queue.on('error', () => {})
  registerQueueGauges({ queue, redis, log: app.log, registry: app.metricsRegistry })

  const markFailed = (orderId: number, reason: string) =>
    orders.markFailed(orderId, reason).catch((error: unknown) => {
      app.log.error({ err: error, order_id: orderId }, 'could not record the failure of an order')
    })

  worker.on('error', (error) => app.log.error({ err: error }, 'order worker error'))

  worker.on('failed', (job, error) => {
    failedAttempts.inc()
    if (!job) return
    const orderId = orderIdOf(job)
    // BullMQ has counted the attempt that just failed: it is attempt number `attemptsMade`.
    const final = isFinalFailure(job, job.attemptsMade, error)
    jobLog(job).warn({ err: error, attempts_made: job.attemptsMade, final }, 'order job failed')
    if (!final) return
    failed.inc()
    // Idempotent, and a no-op when the processor already recorded it.
    if (orderId !== undefined) void markFailed(orderId, error.message)
  })
  // A job stalling more than `maxStalledCount` times fails without a `failed` event here.
  worker.on('stalled', async (jobId) => {
    app.log.warn({ job_id: jobId }, 'order job stalled: its worker stopped; it is retried')
    const job = await queue.getJob(jobId).catch(() => undefined)
    if (job && (await job.isFailed().catch(() => false))) {
      failed.inc()
      const orderId = orderIdOf(job)
      if (orderId !== undefined) await markFailed(orderId, STALLED_TOO_OFTEN)
    }
  })

  await app.register(openApi, {
    title: 'order-worker',
    description: 'Processes queued orders; serves only health and metrics.',
  })
  await app.register(health, {
    checks: {
      postgres: () => pingDatabase(app.pool),
      redis: async () => {
        // Commands wait through reconnects on this connection: answer for them instead.
        if (redis.status !== 'ready') throw new Error(`connection is ${redis.status}`)
        await redis.ping()
      },
    },
  })
  // preClose runs before every onClose hook, so the pool is still open while jobs finish.
  app.addHook('preClose', async () => {
    await worker.close()
    await queue.close()
    redis.disconnect()
  })
  return { app, worker }
}
