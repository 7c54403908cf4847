import { setTimeout as sleep } from 'node:timers/promises'
import { type Job, UnrecoverableError } from 'bullmq'
import { isFinalFailure, orderJobData, runNumber } from '../orders/order-job.js'
import type { OrdersRepository } from '../orders/orders-repository.js'

export const PAYMENT_DECLINED = 'payment declined'

export interface ProcessOrderOptions {
  orders: Pick<OrdersRepository, 'startProcessing' | 'markProcessed' | 'markFailed' | 'findById'>
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

/**
 * Simulates payment and fulfilment of one order. Idempotent: every state change is one
 * conditional update on the state it leaves, so an order already processed or failed is left
 * alone; only then is the order read, to tell a final order from a missing one.
 */
export function createOrderProcessor(options: ProcessOrderOptions) {
  const { orders, delayMs, failureRate, random = Math.random } = options
  const wait = options.wait ?? (delayMs > 0 ? sleep : undefined)

  return async (job: Job): Promise<ProcessOrderResult> => {
    const { order_id: id } = orderJobData(job)
    const attempt = job.attemptsMade + 1
    if (!(await orders.startProcessing(id, runNumber(job)))) {
      const order = await orders.findById(id)
      if (!order) throw new UnrecoverableError(`order ${id} does not exist`)
      return { order_id: id, status: order.status, changed: false }
    }

    if (wait) await wait(delayMs)
    if (random() < failureRate) {
      const declined = new Error(PAYMENT_DECLINED)
      // Recorded here, in the job's own attempt, so the order cannot end up `failed` in the
      // queue but `processing` in the database; the worker's `failed` event is a second net.
      if (isFinalFailure(job, attempt, declined)) await orders.markFailed(id, PAYMENT_DECLINED)
      throw declined
    }
    const changed = await orders.markProcessed(id)
    return { order_id: id, status: changed ? 'processed' : 'final', changed }
  }
}
