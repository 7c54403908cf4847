/**
 * One order's trace across the shop's real processes (the native stack from the sources),
 * exported over OTLP/HTTP to a receiver in this test, and the worker's log line for it
 * carrying the request id and the trace id.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually, suiteSetup, uniqueName } from '@shop/test-kit'
import { signInAdmin, signUpCustomer } from './support/http.js'
import { assertOrderTrace } from './support/order-trace.js'
import { SpanTree } from './support/span-tree.js'
import type { TestStack } from './support/test-stack.js'
import { type OtlpReceiver, startTracedStack } from './support/traced-stack.js'

interface WorkerLine {
  msg?: string
  reqId?: string
  order_id?: number
  trace_id?: string
  span_id?: string
}

describe('tracing, with every process on its own (OTLP http/json)', () => {
  let receiver: OtlpReceiver
  let running: TestStack

  suiteSetup(async (teardown) => {
    const traced = await startTracedStack()
    teardown(traced.stop)
    ;({ receiver, running } = traced)
  })

  it('shows one order across the processes, and the worker logs its request id and trace id', async () => {
    const { gateway, orderService, userService } = running.stack.urls
    // An admin ordering for a customer: order-service checks the user with user-service.
    const { client } = await signInAdmin(gateway, running.admin)
    const user = await signUpCustomer(gateway)
    const requestId = uniqueName('traced')
    const placed = await client.POST('/orders', {
      body: { user_id: user.id, item: 'traced', quantity: 1 },
      headers: { 'x-request-id': requestId },
    })
    assert.equal(placed.response.status, 201)
    const orderId = Number(placed.data?.id)

    const processing = `process ${running.queueName}`
    const { chain } = await eventually(
      async () => {
        const tree = new SpanTree(receiver.spans())
        if (!tree.spans.some((span) => span.name === processing)) return undefined
        const update = tree.spans.some((span) =>
          span.name.startsWith('pg.query:orders_mark_processed'),
        )
        if (!update) return undefined
        return {
          chain: assertOrderTrace(tree, {
            ordersUrl: orderService,
            usersUrl: userService,
            queueName: running.queueName,
            orderId,
          }),
        }
      },
      { timeoutMs: 30_000, what: "the worker's spans at the receiver" },
    )

    // Each process names itself.
    assert.equal(chain.gateway.service, 'api-gateway')
    assert.equal(chain.orders.service, 'order-service')
    assert.equal(chain.users.service, 'user-service')
    assert.equal(chain.processing.service, 'order-worker')

    const done = await eventually(
      async () =>
        running.stack
          .logs('worker-1')
          .filter((line) => line.includes(requestId))
          .map((line) => JSON.parse(line) as WorkerLine)
          .find((line) => line.msg === 'order job done'),
      { what: "the worker's log line for the order" },
    )
    assert.equal(done.reqId, requestId)
    assert.equal(done.order_id, orderId)
    assert.equal(done.trace_id, chain.gateway.traceId)
    assert.equal(done.span_id, chain.processing.spanId)
  })
})
