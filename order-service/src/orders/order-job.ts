import { MAX_ID } from '@shop/platform'
import { type Job, UnrecoverableError } from 'bullmq'
import { z } from 'zod'

export const PROCESS_ORDER_JOB = 'process-order'

/** Ids only: the worker reads the order itself, so no personal data sits in Redis. */
export const OrderJobData = z.strictObject({
  order_id: z.number().int().min(1).max(MAX_ID),
  /** The `x-request-id` of the request that placed the order, for the worker's log lines. */
  request_id: z.string().min(1).max(128).optional(),
})
export type OrderJobData = z.output<typeof OrderJobData>

/** One job per order, ever: BullMQ ignores an add whose job id it already holds. */
export const jobIdFor = (orderId: number) => `order-${orderId}`

/**
 * The job's data, checked: anything else (a job added by hand, by an older or newer version)
 * fails as unrecoverable with the reason, since no retry can make it valid.
 */
export function orderJobData(job: Pick<Job, 'data'>): OrderJobData {
  const parsed = OrderJobData.safeParse(job.data)
  if (parsed.success) return parsed.data
  throw new UnrecoverableError(`malformed order job: ${z.prettifyError(parsed.error)}`)
}

/**
 * The one rule for "this failure ends the job": unrecoverable, or attempt number `attempt`
 * (1-based) is the last one permitted, as BullMQ's own retry decision reads it. While a job
 * runs it is attempt `attemptsMade + 1`; once it has failed BullMQ counts it in `attemptsMade`.
 */
export function isFinalFailure(job: Pick<Job, 'opts'>, attempt: number, error: unknown) {
  return error instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1)
}

/**
 * The number of a job's run as the order counts it: its attempt number plus the times it
 * stalled (its worker died and another ran it again). A run put off because a dependency was
 * unavailable keeps the number, so an outage never adds to it.
 */
export const runNumber = (job: Pick<Job, 'attemptsMade' | 'stalledCounter'>) =>
  job.attemptsMade + (job.stalledCounter ?? 0) + 1

/** The longest wait between two runs of a job whose dependency is away. */
export const UNAVAILABLE_RETRY_MAX_MS = 30_000

/**
 * How long a job waits before it runs again after an attempt that found PostgreSQL (or
 * another dependency) unavailable. Such an attempt is not counted (`attemptsMade` stays), so
 * an outage of any length cannot use up the order's attempts: the job is retried with the
 * queue's backoff, doubling per uncounted start, up to `UNAVAILABLE_RETRY_MAX_MS`.
 */
export function unavailableRetryDelay(job: Pick<Job, 'opts' | 'attemptsStarted' | 'attemptsMade'>) {
  const { backoff } = job.opts
  const base = (typeof backoff === 'number' ? backoff : backoff?.delay) || 1_000
  // Starts that counted as no attempt, this one included: outages met (and stalls).
  const uncounted = Math.max(1, job.attemptsStarted - job.attemptsMade)
  return Math.min(base * 2 ** Math.min(uncounted - 1, 20), UNAVAILABLE_RETRY_MAX_MS)
}
