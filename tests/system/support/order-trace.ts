import assert from 'node:assert/strict'
import { SpanKind, type SpanTree, type TraceSpan } from './span-tree.js'

export interface OrderTraceExpectation {
  ordersUrl: string
  usersUrl: string
  queueName: string
  orderId: number
}

/**
 * Asserts the trace of one `POST /orders` through the gateway: gateway → order-service →
 * user-service's check → the insert → the enqueue (BullMQ on Redis) → the worker's
 * processing span, child of the enqueue → the final update inside it. Returns its spans.
 */
export function assertOrderTrace(tree: SpanTree, expected: OrderTraceExpectation) {
  const { ordersUrl, usersUrl, queueName, orderId } = expected
  const isServer = (name: string) => (span: TraceSpan) =>
    span.kind === SpanKind.SERVER && span.name === name
  const gatewayCandidates = tree.spans.filter(
    (span) =>
      isServer('POST /orders')(span) &&
      !tree.ancestors(span).some((above) => above.kind === SpanKind.SERVER),
  )
  assert.equal(gatewayCandidates.length, 1, `one gateway POST /orders span:\n${tree.show()}`)
  const gateway = gatewayCandidates[0] as TraceSpan

  const toOrders = tree.under(
    gateway,
    'the call to order-service',
    (span) =>
      span.kind === SpanKind.CLIENT && span.attributes['url.full'] === `${ordersUrl}/orders`,
  )
  const orders = tree.under(toOrders, 'order-service POST /orders', isServer('POST /orders'))
  const toUsers = tree.under(
    orders,
    'the call to user-service',
    (span) =>
      span.kind === SpanKind.CLIENT &&
      String(span.attributes['url.full']).startsWith(`${usersUrl}/users/`),
  )
  const users = tree.under(toUsers, 'user-service GET /users/:id', isServer('GET /users/:id'))
  const userSelect = tree.under(users, "user-service's SELECT", (span) =>
    span.name.startsWith('pg.query:'),
  )
  const insert = tree.under(orders, 'the insert', (span) =>
    span.name.startsWith('pg.query:orders_insert'),
  )
  const enqueue = tree.under(
    orders,
    'the enqueue',
    (span) => span.kind === SpanKind.PRODUCER && span.name === `enqueue ${queueName}`,
  )
  const addBulk = tree.under(
    enqueue,
    "BullMQ's addBulk",
    (span) => span.kind === SpanKind.PRODUCER && span.name === `addBulk ${queueName}`,
  )
  const redisAdd = tree.under(
    addBulk,
    'the Redis command adding the job',
    (span) => String(span.attributes['db.system.name'] ?? span.attributes['db.system']) === 'redis',
  )
  const processing = tree.under(
    enqueue,
    "the worker's processing",
    (span) => span.kind === SpanKind.CONSUMER && span.name === `process ${queueName}`,
  )
  assert.equal(
    processing.parentSpanId,
    enqueue.spanId,
    "the processing span is the enqueue span's child",
  )
  assert.equal(processing.attributes['bullmq.job.id'], `order-${orderId}`)
  const update = tree.under(processing, 'the final update', (span) =>
    span.name.startsWith('pg.query:orders_mark_processed'),
  )
  const chain = {
    gateway,
    toOrders,
    orders,
    toUsers,
    users,
    userSelect,
    insert,
    enqueue,
    addBulk,
    redisAdd,
    processing,
    update,
  }
  for (const [step, span] of Object.entries(chain)) {
    assert.equal(span.traceId, gateway.traceId, `${step} is in the order's trace`)
  }
  return chain
}
