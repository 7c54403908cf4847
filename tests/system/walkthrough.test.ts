/**
 * The README's walkthrough, through the gateway over real HTTP, written as a client team
 * would with the typed client (@shop/client). Runs against a native stack started here, or
 * against the gateway named by SHOP_GATEWAY_URL (the compose test): everything in this file
 * is observable through HTTP alone. Every answer is checked against the gateway's document.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { MAX_ID } from '@shop/platform'
import { eventually, suiteSetup, uniqueName } from '@shop/test-kit'
import {
  call,
  ordersOf,
  type Problem,
  placeOrders,
  settledOrdersOf,
  shopClient,
  signInAdmin,
  signUpCustomer,
  type User,
} from './support/http.js'
import { startTarget, type Target } from './support/target.js'

const PROBLEM_JSON = /^application\/problem\+json/

const PASSWORD = 'correct horse battery'

let target: Target
/** Anonymous: signing up and in. */
let anonymous: ShopClient
/** Ada's, once she has signed in. */
let client: ShopClient
let admin: ShopClient

suiteSetup(async (teardown) => {
  target = await startTarget()
  teardown(() => target.stop())
  anonymous = target.client
  admin = (await signInAdmin(target.gateway, target.admin)).client
})

describe('the README walkthrough through the gateway', () => {
  let user: User
  let authorization: string

  it('creates a user: 201 with a Location, never echoing the password', async () => {
    const email = `${uniqueName('ada')}@example.com`
    const created = await anonymous.POST('/users', {
      body: { email, full_name: 'Ada Lovelace', password: PASSWORD },
    })
    assert.equal(created.response.status, 201)
    assert.ok(created.data)
    assert.equal(created.data.email, email)
    assert.equal(created.data.full_name, 'Ada Lovelace')
    assert.ok(Number.isInteger(created.data.id))
    assert.ok(!JSON.stringify(created.data).includes(PASSWORD))
    assert.equal(created.response.headers.get('location'), `/users/${created.data.id}`)
    user = created.data
  })

  it('signs in: a Bearer token that serves the user at its Location and at /users/me', async () => {
    const signedIn = await anonymous.POST('/tokens', {
      body: { email: user.email, password: PASSWORD },
    })
    assert.equal(signedIn.response.status, 200)
    assert.ok(signedIn.data)
    assert.equal(signedIn.data.token_type, 'Bearer')
    authorization = `Bearer ${signedIn.data.access_token}`
    client = shopClient(target.gateway, signedIn.data.access_token)

    const location = `${target.gateway}/users/${user.id}`
    const fetched = await call<User>(location, { headers: { authorization } })
    assert.equal(fetched.status, 200)
    assert.deepEqual(fetched.body, user)
    const me = await client.GET('/users/me')
    assert.deepEqual(me.data, user)

    const refused = await call<Problem>(location)
    assert.equal(refused.status, 401)
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /)
  })

  it('answers a wrong password with 401', async () => {
    const { response } = await anonymous.POST('/tokens', {
      body: { email: user.email, password: 'not her password' },
    })
    assert.equal(response.status, 401)
  })

  it('lists users in id order to the admin only, the new user among them', async () => {
    const refused = await client.GET('/users')
    assert.equal(refused.response.status, 403)
    const all = await admin.GET('/users')
    assert.equal(all.response.status, 200)
    const ids = (all.data ?? []).map((u) => u.id)
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    )
    // Keyset paging: the page after the previous id starts with this user (ids start at 1).
    const page = await admin.GET('/users', {
      params: { query: { limit: '1', ...(user.id > 1 ? { after_id: String(user.id - 1) } : {}) } },
    })
    assert.equal(page.response.status, 200)
    assert.deepEqual(page.data, [user])
  })

  it('gets the user by id', async () => {
    const fetched = await client.GET('/users/{id}', {
      params: { path: { id: String(user.id) } },
    })
    assert.equal(fetched.response.status, 200)
    assert.deepEqual(fetched.data, user)
  })

  it('answers an order at once as pending, then processes it and sets processed_at', async () => {
    const body = { user_id: user.id, item: 'Analytical Engine', quantity: 2 }
    const idempotencyKey = uniqueName('order-ada')
    const placed = await client.POST('/orders', {
      body,
      params: { header: { 'idempotency-key': idempotencyKey } },
    })
    assert.equal(placed.response.status, 201)
    assert.ok(placed.data)
    const order = placed.data
    assert.equal(placed.response.headers.get('location'), `/orders/${order.id}`)
    assert.equal(order.status, 'pending')
    assert.equal(order.processed_at, null)
    assert.deepEqual([order.user_id, order.item, order.quantity], [user.id, 'Analytical Engine', 2])

    // The same request again replays the first answer and places nothing more.
    const replayed = await client.POST('/orders', {
      body,
      params: { header: { 'idempotency-key': idempotencyKey } },
    })
    assert.equal(replayed.response.status, 201)
    assert.deepEqual(replayed.data, order)

    const processed = await eventually(
      async () => {
        const { data } = await client.GET('/orders/{id}', {
          params: { path: { id: String(order.id) } },
        })
        return data?.status === 'processed' ? data : undefined
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `order ${order.id} processed` },
    )
    assert.ok(processed.processed_at)
    assert.ok(Date.parse(processed.processed_at) >= Date.parse(processed.created_at))
    assert.equal(processed.failure_reason, null)
    assert.equal(processed.attempts, 1)
    assert.deepEqual(
      (await ordersOf(client, user.id)).map((o) => o.id),
      [order.id],
    )
  })

  it('answers 403 to a customer ordering for someone else', async () => {
    const { error, response } = await client.POST('/orders', {
      body: { user_id: MAX_ID, item: 'ghost', quantity: 1 },
    })
    assert.equal(response.status, 403)
    assert.match(response.headers.get('content-type') ?? '', PROBLEM_JSON)
    assert.equal(error?.status, 403)
  })

  it('answers 422 problem+json to an admin ordering for an unknown user, creating nothing', async () => {
    const { error, response } = await admin.POST('/orders', {
      body: { user_id: MAX_ID, item: 'ghost', quantity: 1 },
    })
    assert.equal(response.status, 422)
    assert.match(response.headers.get('content-type') ?? '', PROBLEM_JSON)
    assert.equal(error?.status, 422)
    assert.deepEqual(await ordersOf(admin, MAX_ID), [])
  })

  it('answers 400 problem+json to bad input and creates nothing', async () => {
    const email = `${uniqueName('bad')}@example.com`
    const before = await ordersOf(client, user.id)
    const answers: [string, { error?: Problem; response: Response }][] = [
      [
        'POST /users with a bad email',
        await anonymous.POST('/users', {
          body: { email: 'not-an-email', full_name: 'Bad Email', password: PASSWORD },
        }),
      ],
      [
        'POST /users with an empty name',
        await anonymous.POST('/users', { body: { email, full_name: '', password: PASSWORD } }),
      ],
      [
        'POST /users with a short password',
        await anonymous.POST('/users', { body: { email, full_name: 'Short', password: 'short' } }),
      ],
      [
        'POST /orders with quantity 0',
        await client.POST('/orders', { body: { user_id: user.id, item: 'nothing', quantity: 0 } }),
      ],
      [
        'POST /orders with an empty item',
        await client.POST('/orders', { body: { user_id: user.id, item: '', quantity: 1 } }),
      ],
      ['GET /users/abc', await client.GET('/users/{id}', { params: { path: { id: 'abc' } } })],
      [
        'GET /orders/99999999999',
        await client.GET('/orders/{id}', { params: { path: { id: '99999999999' } } }),
      ],
      ['GET /users?limit=0', await admin.GET('/users', { params: { query: { limit: '0' } } })],
    ]
    for (const [what, { error, response }] of answers) {
      assert.equal(response.status, 400, what)
      assert.match(response.headers.get('content-type') ?? '', PROBLEM_JSON, what)
      assert.equal(error?.status, 400, what)
      assert.ok(error?.title, what)
    }
    // What the typed client cannot send: malformed JSON, a field of the wrong type.
    for (const [path, body] of [
      ['/users', '{"email":'],
      ['/orders', { user_id: 'abc', item: 'book', quantity: 1 }],
    ] as const) {
      const answer = await call<Problem>(`${target.gateway}${path}`, {
        method: 'POST',
        body,
        headers: { authorization },
      })
      assert.equal(answer.status, 400, `POST ${path} ${JSON.stringify(body)}`)
      assert.equal(answer.body.status, 400)
    }
    assert.deepEqual(await ordersOf(client, user.id), before)
    const users = await admin.GET('/users', {
      params: { query: { after_id: String(user.id), limit: '1000' } },
    })
    assert.ok(!users.data?.some((u) => u.email === email))
  })
})

describe('a burst of 200 orders', () => {
  it('processes every order exactly once: all processed, each after a single attempt', async () => {
    const { id, client } = await signUpCustomer(target.gateway)
    const placed = await placeOrders(client, id, 200)
    assert.ok(placed.every((order) => order.status === 'pending'))
    assert.equal(new Set(placed.map((order) => order.id)).size, 200)

    const orders = await settledOrdersOf(client, id)
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
