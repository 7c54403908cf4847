/** Every process of a running stack and the routes it serves, for the hostile-input suites. */
import type { Teardown } from '@shop/test-kit'
import { watchRows } from './hostile-check.js'
import { placeOrder, signInAdmin, signUpCustomer } from './http.js'
import { startTestStack, type TestStack } from './test-stack.js'

export interface Target {
  name: string
  base: string
  /** Routes answering GET, with ids that exist once the suite has made its user and order. */
  routes: string[]
  /** Sent with every request unless the request overrides them (a token, the board's login). */
  headers: Record<string, string>
}

const OWN_ROUTES = ['/healthz', '/readyz', '/docs', '/docs/json']

/** `authorization` is the admin's: every route reaches its handler, whoever's the data. */
export function targetsOf(running: TestStack, authorization: string): Target[] {
  const { urls } = running.stack
  const login = Buffer.from(`${running.board.user}:${running.board.password}`).toString('base64')
  const users = ['/users', '/users/1']
  const orders = ['/orders', '/orders/1']
  return [
    { name: 'api-gateway', base: urls.gateway, routes: [...users, ...orders, ...OWN_ROUTES] },
    { name: 'user-service', base: urls.userService, routes: [...users, ...OWN_ROUTES] },
    { name: 'order-service', base: urls.orderService, routes: [...orders, ...OWN_ROUTES] },
    { name: 'worker-1', base: urls.workers[0] ?? '', routes: ['/healthz', '/readyz'] },
    { name: 'bull-board', base: urls.board, routes: ['/', '/api/queues', '/healthz'] },
    // Every process's metrics listener is the same platform code: the gateway's and a
    // worker's (whose gauges read Redis) stand for them all.
    { name: 'api-gateway metrics', base: urls.metrics.gateway, routes: ['/metrics'] },
    { name: 'worker-1 metrics', base: urls.metrics.workers[0] ?? '', routes: ['/metrics'] },
  ].map(
    (target): Target => ({
      ...target,
      headers:
        target.name === 'bull-board'
          ? { authorization: `Basic ${login}` }
          : target.name === 'worker-1'
            ? {}
            : { authorization },
    }),
  )
}

/** Where `/users*` or `/orders*` is served: through the gateway and straight to its service. */
export function basesFor(targets: Target[], resource: 'users' | 'orders') {
  const service = resource === 'users' ? 'user-service' : 'order-service'
  return targets.filter((t) => t.name === 'api-gateway' || t.name === service).map((t) => t.base)
}

/**
 * A one-worker stack for hostile requests: every process as a target, the admin's
 * `authorization`, a customer (`userId`, user 1 being the admin) with an order, and a watch
 * on the database's rows, all undone by `teardown`.
 */
export async function startHostileStack(teardown: Teardown) {
  const running = await startTestStack({ workers: 1 })
  teardown(() => running.stop())
  const { gateway } = running.stack.urls
  const { authorization } = await signInAdmin(gateway, running.admin)
  const customer = await signUpCustomer(gateway)
  await placeOrder(customer.client, customer.id)
  const rows = watchRows(running.stack.databaseUrl)
  teardown(() => rows.close())
  return {
    running,
    rows,
    targets: targetsOf(running, authorization),
    authorization,
    userId: customer.id,
  }
}
