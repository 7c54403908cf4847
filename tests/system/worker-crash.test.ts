/**
 * Three workers sharing the queue, one killed outright and one stopped politely mid-burst.
 * Signals processes and reads their metrics and logs, so it runs against the native stack.
 * Short BullMQ lock timings make a dead worker's jobs come back within seconds, not 30 s.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { eventually, suiteSetup } from '@shop/test-kit'
import {
  ordersOf,
  placeOrders,
  settledOrdersOf,
  signInAdmin,
  signUpCustomer,
} from './support/http.js'
import { startTestStack, type TestStack } from './support/test-stack.js'

const CONCURRENCY = 4
const STALLED = 'order job stalled'

/** `orders_processed_total` at a worker's metrics listener. */
async function processedCount(metricsUrl: string) {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('orders_processed_total '))
  if (!line) throw new Error(`no orders_processed_total at ${metricsUrl}/metrics`)
  return Number(line.split(' ')[1])
}

describe('order workers', () => {
  let running: TestStack
  /** The admin's, reading every customer's orders. */
  let client: ShopClient

  /** A new customer who places `count` orders with their own token. */
  async function customerWithOrders(count: number) {
    const customer = await signUpCustomer(running.stack.urls.gateway)
    await placeOrders(customer.client, customer.id, count)
    return customer
  }

  const stalledReports = () =>
    ['worker-1', 'worker-2', 'worker-3']
      .flatMap((name) => running.stack.logs(name))
      .filter((line) => line.includes(STALLED)).length

  /** Places a burst and returns once it is queued beyond what `busyWorkers` can hold at once. */
  async function placeBurst(count: number, busyWorkers: number) {
    const user = await customerWithOrders(count)
    const pending = (await ordersOf(client, user.id)).filter((o) => o.status === 'pending')
    assert.ok(
      pending.length > busyWorkers * CONCURRENCY,
      `the burst still keeps every worker busy (${pending.length} pending)`,
    )
    return user.id
  }

  suiteSetup(async (teardown) => {
    teardown(() => running?.stop())
    running = await startTestStack({
      workers: 3,
      env: {
        WORKER_CONCURRENCY: String(CONCURRENCY),
        PROCESSING_DELAY_MS: '400',
        WORKER_LOCK_DURATION_MS: '4000',
        WORKER_STALLED_INTERVAL_MS: '1000',
      },
    })
    client = (await signInAdmin(running.stack.urls.gateway, running.admin)).client
  })

  it('share a burst of 200 orders, each processed by exactly one of them', async () => {
    const workers = running.stack.urls.metrics.workers
    const before = await Promise.all(workers.map(processedCount))
    const user = await customerWithOrders(200)

    const orders = await settledOrdersOf(client, user.id)
    assert.equal(orders.length, 200)
    assert.deepEqual(
      orders.filter((order) => order.status !== 'processed' || order.attempts !== 1),
      [],
    )
    const counted = (await Promise.all(workers.map(processedCount))).map(
      (n, i) => n - (before[i] ?? 0),
    )
    assert.equal(
      counted.reduce((sum, n) => sum + n, 0),
      200,
    )
    assert.ok(
      counted.every((n) => n > 0),
      `every worker took a share: ${counted}`,
    )
    assert.equal(stalledReports(), 0)
  })

  it('lose nothing when one is killed with SIGKILL mid-burst: its jobs are picked up again', async () => {
    const userId = await placeBurst(160, 3)
    running.stack.killProcess('worker-1', 'SIGKILL')

    const orders = await settledOrdersOf(client, userId)
    assert.equal(orders.length, 160)
    assert.deepEqual(
      orders.filter((order) => order.status !== 'processed' || !order.processed_at),
      [],
    )
    // The jobs worker-1 held were started twice: proof that the kill interrupted them.
    assert.ok(orders.some((order) => order.attempts === 2))
    assert.ok(stalledReports() > 0, 'a surviving worker reported the stalled jobs')
    assert.notEqual(running.stack.processes.find((p) => p.name === 'worker-1')?.exit, 0)
  })

  it('finish their active jobs when stopped with SIGTERM', async () => {
    const stalledBefore = stalledReports()
    const userId = await placeBurst(80, 2)
    running.stack.killProcess('worker-2', 'SIGTERM')

    const worker2 = running.stack.processes.find((p) => p.name === 'worker-2')
    await eventually(async () => (worker2?.running ? undefined : true), {
      timeoutMs: 30_000,
      what: 'worker-2 exited',
    })
    assert.equal(worker2?.exit, 0)
    assert.ok(running.stack.logs('worker-2').some((line) => line.includes('"signal":"SIGTERM"')))

    const orders = await settledOrdersOf(client, userId)
    assert.equal(orders.length, 80)
    // Nothing worker-2 held was abandoned: no job stalled, none was started twice.
    assert.deepEqual(
      orders.filter((order) => order.status !== 'processed' || order.attempts !== 1),
      [],
    )
    assert.equal(stalledReports(), stalledBefore)
  })
})
