import type { ShopClient } from '@shop/client'
import { placeOrder, signUpCustomer } from '@shop/system-tests/http'
import { eventually } from '@shop/test-kit'
import type { ComposeProject } from './compose-project.js'
import { scrapeInside } from './metrics.js'

/** The order once the worker has processed it; fails after `timeoutMs`. */
export function orderProcessed(client: ShopClient, id: number, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const { data } = await client.GET('/orders/{id}', { params: { path: { id: String(id) } } })
      return data?.status === 'processed' ? data : undefined
    },
    { timeoutMs, intervalMs: 1000, what: `order ${id} processed` },
  )
}

/**
 * A new customer, signed up and in at `gateway`, and their order once the worker has
 * processed it: its id, and the customer's client that may read it.
 */
export async function placeProcessedOrder(gateway: string) {
  const customer = await signUpCustomer(gateway)
  const order = await placeOrder(customer.client, customer.id, 'compose check')
  await orderProcessed(customer.client, order.id)
  return { orderId: order.id, client: customer.client, authorization: customer.authorization }
}

/** GET /orders requests order-service replica `index` has served, from its own /metrics. */
export async function ordersServed(project: ComposeProject, index: number): Promise<number> {
  const text = await scrapeInside(project, 'order-service', index)
  return text
    .split('\n')
    .filter((l) => l.startsWith('http_request_duration_seconds_count{'))
    .filter((l) => l.includes('method="GET"') && l.includes('route="/orders"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}
