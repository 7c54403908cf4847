/**
 * The README's curl walkthrough, through the gateway over real HTTP. Runs against a native
 * stack started here, or against the gateway named by SHOP_GATEWAY_URL (the compose test):
 * everything in this file is observable through HTTP alone.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_ID } from '@shop/platform'
import { eventually, uniqueName } from '@shop/platform/testing'
import {
  call,
  createUser,
  type Order,
  ordersOf,
  type Problem,
  placeOrders,
  settledOrdersOf,
  type User,
} from './support/http.js'
import { startTarget, type Target } from './support/target.js'

const PROBLEM_JSON = /^application\/problem\+json/

let target: Target
let gateway: string

before(async () => {
  target = await startTarget()
  gateway = target.gateway
})
after(() => target?.stop())

describe('the README walkthrough through the gateway', () => {
  let user: User

  it('creates a user: 201 with a Location that serves the same user', async () => {
    const email = `${uniqueName('ada')}@example.com`
    const created = await call<User>(`${gateway}/users`, {
      method: 'POST',
      body: { email, full_name: 'Ada Lovelace' },
    })
    assert.equal(created.status, 201)
    assert.equal(created.body.email, email)
    assert.equal(created.body.full_name, 'Ada Lovelace')
    assert.ok(Number.isInteger(created.body.id))
    assert.equal(created.headers.get('location'), `/users/${created.body.id}`)
    user = created.body

    const fetched = await call<User>(`${gateway}${created.headers.get('location')}`)
    assert.equal(fetched.status, 200)
    assert.deepEqual(fetched.body, user)
  })

  it('lists users in id order, the new user among them', async () => {
    const all = await call<User[]>(`${gateway}/users`)
    assert.equal(all.status, 200)
    const ids = all.body.map((u) => u.id)
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    )
    // Keyset paging: the page after the previous id starts with this user (ids start at 1).
    const from = user.id > 1 ? `after_id=${user.id - 1}&` : ''
    const page = await call<User[]>(`${gateway}/users?${from}limit=1`)
    assert.equal(page.status, 200)
    assert.deepEqual(page.body, [user])
  })

  it('gets the user by id', async () => {
    const fetched = await call<User>(`${gateway}/users/${user.id}`)
    assert.equal(fetched.status, 200)
    assert.deepEqual(fetched.body, user)
  })

  it('answers an order at once as pending, then processes it and sets processed_at', async () => {
    const placed = await call<Order>(`${gateway}/orders`, {
      method: 'POST',
      body: { user_id: user.id, item: 'Analytical Engine', quantity: 2 },
    })
    assert.equal(placed.status, 201)
    assert.equal(placed.headers.get('location'), `/orders/${placed.body.id}`)
    assert.equal(placed.body.status, 'pending')
    assert.equal(placed.body.processed_at, null)
    assert.deepEqual(
      [placed.body.user_id, placed.body.item, placed.body.quantity],
      [user.id, 'Analytical Engine', 2],
    )

    const processed = await eventually(
      async () => {
        const order = await call<Order>(`${gateway}/orders/${placed.body.id}`)
        return order.body.status === 'processed' ? order.body : undefined
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `order ${placed.body.id} processed` },
    )
    assert.ok(processed.processed_at)
    assert.ok(Date.parse(processed.processed_at) >= Date.parse(processed.created_at))
    assert.equal(processed.failure_reason, null)
    assert.equal(processed.attempts, 1)
  })

  it('answers 422 problem+json to an order of an unknown user and creates nothing', async () => {
    const answer = await call<Problem>(`${gateway}/orders`, {
      method: 'POST',
      body: { user_id: MAX_ID, item: 'ghost', quantity: 1 },
    })
    assert.equal(answer.status, 422)
    assert.match(answer.headers.get('content-type') ?? '', PROBLEM_JSON)
    assert.equal(answer.body.status, 422)
    assert.deepEqual(await ordersOf(gateway, MAX_ID), [])
  })

  it('answers 400 problem+json to bad input and creates nothing', async () => {
    const email = `${uniqueName('bad')}@example.com`
    const cases: [string, string, unknown][] = [
      ['POST', '/users', { email: 'not-an-email', full_name: 'Bad Email' }],
      ['POST', '/users', { email, full_name: '' }],
      ['POST', '/users', '{"email":'],
      ['POST', '/orders', { user_id: user.id, item: 'nothing', quantity: 0 }],
      ['POST', '/orders', { user_id: user.id, item: '', quantity: 1 }],
      ['POST', '/orders', { user_id: 'abc', item: 'book', quantity: 1 }],
      ['GET', '/users/abc', undefined],
      ['GET', '/orders/99999999999', undefined],
      ['GET', '/users?limit=0', undefined],
    ]
    const before = await ordersOf(gateway, user.id)
    for (const [method, path, body] of cases) {
      const answer = await call<Problem>(`${gateway}${path}`, { method, body })
      assert.equal(answer.status, 400, `${method} ${path}`)
      assert.match(answer.headers.get('content-type') ?? '', PROBLEM_JSON, `${method} ${path}`)
      assert.equal(answer.body.status, 400, `${method} ${path}`)
      assert.ok(answer.body.title, `${method} ${path}`)
    }
    assert.deepEqual(await ordersOf(gateway, user.id), before)
    const users = await call<User[]>(`${gateway}/users?after_id=${user.id}&limit=1000`)
    assert.ok(!users.body.some((u) => u.email === email))
  })
})

describe('a burst of 200 orders', () => {
  it('processes every order exactly once: all processed, each after a single attempt', async () => {
    const user = await createUser(gateway)
    const placed = await placeOrders(gateway, user.id, 200)
    assert.ok(placed.every((order) => order.status === 'pending'))
    assert.equal(new Set(placed.map((order) => order.id)).size, 200)

    const orders = await settledOrdersOf(gateway, user.id)
    assert.deepEqual(
      orders.map((order) => order.id),
      placed.map((order) => order.id).sort((a, b) => a - b),
    )
    const unexpected = orders.filter(
      (order) => order.status !== 'processed' || order.attempts !== 1 || !order.processed_at,
    )
    assert.deepEqual(unexpected, [])
  })
})
