/**
 * Access rules from the attacker's side, over real HTTP against the real services, straight
 * and through the gateway: for random callers (customers, an admin, forged tokens), random
 * owners and random routes, every answer is the one the rules allow, and nothing is created
 * by a caller who may not create it.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  asAdmin,
  asCustomer,
  bearer,
  FORGERIES,
  type Forgery,
  suiteStarted,
  testIssuer,
} from '@shop/test-kit'
import fc from 'fast-check'
import { startRealServices } from './support/real-services.js'
import { realUpstreams, useGateway } from './support/suite.js'

const CUSTOMERS = 4
const ADMIN_ID = 100

type Caller =
  | { kind: 'customer'; index: number }
  | { kind: 'admin' }
  | { kind: 'forged'; forgery: Forgery; index: number }
type Route =
  | 'read-user'
  | 'read-order'
  | 'list-orders-of'
  | 'list-own-orders'
  | 'list-users'
  | 'place-order'

interface Order {
  id: number
  user_id: number
}

describe('who may read and change what, for any caller and any owner', () => {
  const services = suiteStarted(startRealServices)
  const gateway = useGateway(() => realUpstreams(services))
  const customers: { id: number; orders: number[] }[] = []

  before(async () => {
    for (let index = 0; index < CUSTOMERS; index++) {
      const created = await fetch(`${services.usersUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `owner-${index}@example.com`,
          full_name: `Owner ${index}`,
          password: 'owner password 0123',
        }),
      })
      assert.equal(created.status, 201)
      const { id } = (await created.json()) as { id: number }
      const order = await place(services.ordersUrl, await asCustomer(id), id)
      assert.equal(order.status, 201)
      customers.push({ id, orders: [((await order.json()) as Order).id] })
    }
  })

  function place(base: string, headers: Record<string, string>, userId: number) {
    return fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ user_id: userId, item: 'probe', quantity: 1 }),
    })
  }

  async function credentials(caller: Caller) {
    if (caller.kind === 'admin') return asAdmin(ADMIN_ID)
    const { id } = customers[caller.index] as { id: number }
    if (caller.kind === 'customer') return asCustomer(id)
    return bearer(await (await testIssuer()).forged(caller.forgery, id))
  }

  /** How many orders `userId` has, as an admin sees them. */
  async function orderCount(userId: number) {
    const response = await fetch(`${services.ordersUrl}/orders?user_id=${userId}&limit=1000`, {
      headers: await asAdmin(ADMIN_ID),
    })
    return ((await response.json()) as Order[]).length
  }

  const caller = fc.oneof(
    fc.record({ kind: fc.constant('customer' as const), index: fc.nat(CUSTOMERS - 1) }),
    fc.constant({ kind: 'admin' as const }),
    fc.record({
      kind: fc.constant('forged' as const),
      forgery: fc.constantFrom(...FORGERIES),
      index: fc.nat(CUSTOMERS - 1),
    }),
  )
  const route = fc.constantFrom<Route>(
    'read-user',
    'read-order',
    'list-orders-of',
    'list-own-orders',
    'list-users',
    'place-order',
  )

  it('answers own → 2xx, another’s → 404/403, admin → 2xx, forged → 401, and creates only what is allowed', async () => {
    await fc.assert(
      fc.asyncProperty(
        caller,
        fc.nat(CUSTOMERS - 1),
        route,
        fc.boolean(),
        async (who, ownerIndex, what, throughGateway) => {
          const owner = customers[ownerIndex] as { id: number; orders: number[] }
          const users = throughGateway ? gateway.url : services.usersUrl
          const orders = throughGateway ? gateway.url : services.ordersUrl
          const headers = await credentials(who)
          const own = who.kind === 'customer' && customers[who.index]?.id === owner.id
          const allowed = who.kind === 'admin' || own
          const before = what === 'place-order' ? await orderCount(owner.id) : 0

          let response: Response
          switch (what) {
            case 'read-user':
              response = await fetch(`${users}/users/${owner.id}`, { headers })
              break
            case 'read-order':
              response = await fetch(`${orders}/orders/${owner.orders[0]}`, { headers })
              break
            case 'list-orders-of':
              response = await fetch(`${orders}/orders?user_id=${owner.id}`, { headers })
              break
            case 'list-own-orders':
              response = await fetch(`${orders}/orders?limit=1000`, { headers })
              break
            case 'list-users':
              response = await fetch(`${users}/users`, { headers })
              break
            case 'place-order':
              response = await place(orders, headers, owner.id)
              break
          }
          const body = (await response.json()) as unknown

          let expected: number
          if (who.kind === 'forged') expected = 401
          else if (what === 'list-own-orders') expected = 200
          else if (what === 'list-users') expected = who.kind === 'admin' ? 200 : 403
          else if (allowed) expected = what === 'place-order' ? 201 : 200
          else expected = what === 'read-user' || what === 'read-order' ? 404 : 403
          assert.equal(response.status, expected, JSON.stringify({ who, what, body }))

          if (what === 'list-own-orders' && who.kind === 'customer') {
            const mine = customers[who.index]?.id
            for (const order of body as Order[]) assert.equal(order.user_id, mine)
          }
          if (what === 'place-order') {
            const after = await orderCount(owner.id)
            assert.equal(after, before + (expected === 201 ? 1 : 0), 'orders created')
            if (expected === 201) owner.orders.push((body as Order).id)
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})
