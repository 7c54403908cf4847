/**
 * Draws one order's trace as docs/operations.md shows it: starts the native stack from the
 * sources (its own PostgreSQL, Redis and queue, one worker, `PROCESSING_DELAY_MS=0`) with
 * every process exporting spans over OTLP/HTTP to a receiver here, places (as the admin, for a
 * customer) a warm-up order and then the traced one through the gateway, and writes that order's spans as an SVG waterfall.
 *
 *   tsx --conditions=development scripts/render-order-trace.ts [docs/images/order-trace.svg]
 */
import { writeFile } from 'node:fs/promises'
import { eventually } from '@shop/test-kit'
import { placeOrder, signInAdmin, signUpCustomer } from '../tests/system/support/http.js'
import { assertOrderTrace } from '../tests/system/support/order-trace.js'
import { SpanTree } from '../tests/system/support/span-tree.js'
import { startTracedStack } from '../tests/system/support/traced-stack.js'
import { traceWaterfallSvg } from './trace-waterfall.js'

const output = process.argv[2] ?? 'docs/images/order-trace.svg'

const { receiver, running, stop } = await startTracedStack()
try {
  const { gateway, orderService, userService } = running.stack.urls
  // The admin orders for a customer, so the trace shows order-service's check with user-service.
  const { client } = await signInAdmin(gateway, running.admin)
  const user = await signUpCustomer(gateway)

  /** The spans of `orderId`'s trace, once the worker's final update has arrived. */
  const traceOf = (orderId: number) =>
    eventually(
      async () => {
        const tree = new SpanTree(receiver.spans())
        if (!tree.spans.some((span) => span.name.startsWith('pg.query:orders_mark_processed'))) {
          return undefined
        }
        try {
          const { gateway: root } = assertOrderTrace(tree, {
            ordersUrl: orderService,
            usersUrl: userService,
            queueName: running.queueName,
            orderId,
          })
          return tree.spans.filter((span) => span.traceId === root.traceId)
        } catch {
          return undefined
        }
      },
      { timeoutMs: 30_000, what: `the spans of order ${orderId}` },
    )

  // The first order meets cold processes and new connections: it is not the picture.
  await traceOf((await placeOrder(client, user.id)).id)
  receiver.exports.length = 0
  const order = await placeOrder(client, user.id)
  const spans = await traceOf(order.id)
  await writeFile(
    output,
    traceWaterfallSvg(spans, `One order's trace: POST /orders (order ${order.id})`),
  )
  console.log(`${output}: ${spans.length} spans`)
} finally {
  await stop()
}
