import { MAX_ID } from '@shop/platform'
import { type Job, UnrecoverableError } from 'bullmq'
import { z } from 'zod'

export const PROCESS_ORDER_JOB = 'process-order'

/** Ids only: the worker reads the order itself, so no personal data sits in Redis. */
export const OrderJobData = z.strictObject({
  order_id: z.number().int().min(1).max(MAX_ID),
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
