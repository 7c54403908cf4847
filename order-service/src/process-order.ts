import { setTimeout as sleep } from 'node:timers/promises'
import { type Job, UnrecoverableError } from 'bullmq'
import type { OrderJobData } from './order-queue.js'
import type { OrderRepository } from './order-repository.js'

export const PAYMENT_DECLINED = 'payment declined'

export interface ProcessOrderOptions {
  orders: OrderRepository
  delayMs: number
  /** Share of payment attempts declined, 0 to 1: a demo of retries and failures. */
  failureRate: number
  random?: () => number
  wait?: (ms: number) => Promise<unknown>
}

export interface ProcessOrderResult {
  order_id: number
  status: string
  /** False when the order was already final: a second run has no effect. */
  changed: boolean
}

/** True while running the job's last permitted attempt (`attemptsMade` counts past failures). */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>) {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
}

/**
 * Simulates payment and fulfilment of one order. Idempotent: an order already processed or
 * failed is left alone, and every state change is conditional on the state it leaves.
 */
export function createOrderProcessor(options: ProcessOrderOptions) {
  const { orders, delayMs, failureRate, random = Math.random, wait = sleep } = options

  return async (job: Job<OrderJobData>): Promise<ProcessOrderResult> => {
    const id = job.data.order_id
    const order = await orders.findById(id)
    if (!order) throw new UnrecoverableError(`order ${id} does not exist`)
    if (order.status === 'processed' || order.status === 'failed') {
      return { order_id: id, status: order.status, changed: false }
    }
    const started = await orders.startProcessing(id)
    if (!started) return { order_id: id, status: 'final', changed: false }

    await wait(delayMs)
    if (random() < failureRate) {
      // Recorded here, in the job's own attempt, so the order cannot end up `failed` in the
      // queue but `processing` in the database; the worker's `failed` event is a second net.
      if (isLastAttempt(job)) await orders.markFailed(id, PAYMENT_DECLINED)
      throw new Error(PAYMENT_DECLINED)
    }
    const processed = await orders.markProcessed(id)
    return { order_id: id, status: processed?.status ?? 'final', changed: processed !== undefined }
  }
}
