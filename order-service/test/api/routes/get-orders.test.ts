import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { asAdmin, asCustomer } from '@shop/test-kit'
import type { LightMyRequestResponse } from 'fastify'
import { placeAsCustomer, useOrderApi } from '../../helpers.js'

/** A 400, answered as problem+json. */
function assertBadRequest(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 400, response.body)
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
}

describe('GET /orders', () => {
  const api = useOrderApi([1, 2])
  const ids: number[] = []

  before(async () => {
    for (const [userId, item] of [
      [1, 'book'],
      [2, 'pen'],
      [1, 'lamp'],
      [2, 'mug'],
      [1, 'desk'],
    ] as const) {
      const response = await placeAsCustomer(api.app, { user_id: userId, item, quantity: 1 })
      ids.push(response.json().id)
    }
    await api.db.pool.query(
      `update orders.orders set status = 'processed', processed_at = now() where id = $1`,
      [ids[1]],
    )
  })
  /** GET `url` as an admin, who sees every order. */
  const get = async (url: string) =>
    api.app.inject({ method: 'GET', url, headers: await asAdmin() })
  const asUser = async (userId: number, url: string) =>
    api.app.inject({ method: 'GET', url, headers: await asCustomer(userId) })
  const idsOf = (response: LightMyRequestResponse) =>
    response.json().map((order: { id: number }) => order.id)

  it('shows a customer their own orders only, filters and pages within them', async () => {
    assert.deepEqual(idsOf(await asUser(2, '/orders')), [ids[1], ids[3]])
    assert.deepEqual(idsOf(await asUser(2, '/orders?user_id=2&status=pending')), [ids[3]])
    const first = await asUser(1, '/orders?limit=2')
    assert.deepEqual(idsOf(first), [ids[0], ids[2]])
    assert.equal(first.headers.link, `</orders?limit=2&after_id=${ids[2]}>; rel="next"`)
    assert.deepEqual(idsOf(await asUser(3, '/orders')), [])
  })

  it("answers 403 to a customer asking for another's orders", async () => {
    const response = await asUser(1, '/orders?user_id=2')
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().detail, 'a customer lists only their own orders')
  })

  it('answers 401 without a token', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/orders' })
    assert.equal(response.statusCode, 401)
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="distributed-shop"')
  })

  it('lists every order by id to an admin', async () => {
    const response = await get('/orders')
    assert.equal(response.statusCode, 200)
    assert.deepEqual(
      response.json().map((order: { id: number }) => order.id),
      ids,
    )
    assert.equal(response.headers.link, undefined)
  })

  it('filters by user_id', async () => {
    const response = await get('/orders?user_id=2')
    assert.deepEqual(
      response.json().map((order: { item: string }) => order.item),
      ['pen', 'mug'],
    )
  })

  it('filters by status', async () => {
    const processed = await get('/orders?status=processed')
    assert.deepEqual(
      processed.json().map((order: { id: number }) => order.id),
      [ids[1]],
    )
    assert.equal(processed.json()[0].status, 'processed')
    assert.ok(processed.json()[0].processed_at)
    const pending = await get('/orders?status=pending&user_id=2')
    assert.deepEqual(
      pending.json().map((order: { id: number }) => order.id),
      [ids[3]],
    )
  })

  it('pages with limit and after_id, pointing to the next page with a Link header', async () => {
    const first = await get('/orders?user_id=1&limit=2')
    assert.deepEqual(
      first.json().map((order: { id: number }) => order.id),
      [ids[0], ids[2]],
    )
    const link = first.headers.link as string
    const next = /^<([^>]+)>; rel="next"$/.exec(link)?.[1]
    assert.ok(next, `a next link: ${link}`)
    assert.match(next, /user_id=1/)
    const second = await get(next)
    assert.deepEqual(
      second.json().map((order: { id: number }) => order.id),
      [ids[4]],
    )
    assert.equal(second.headers.link, undefined)
  })

  for (const query of [
    'status=shipped',
    'status=',
    'status=pending&status=failed',
    'user_id=abc',
    'user_id=0',
    'user_id=2147483648',
    'limit=0',
    'limit=1001',
    'limit=ten',
    'after_id=-1',
    'userid=1',
  ]) {
    it(`answers 400 for ${query}`, async () => {
      const response = await get(`/orders?${query}`)
      assertBadRequest(response)
    })
  }
})

describe('GET /orders/{id}', () => {
  const api = useOrderApi([7])
  /** GET `url` as customer 7, whose orders these are. */
  const get = async (url: string) =>
    api.app.inject({ method: 'GET', url, headers: await asCustomer(7) })

  it('answers 200 with the order and its processing status', async () => {
    const created = await placeAsCustomer(api.app, { user_id: 7, item: 'chair', quantity: 4 })
    const { id } = created.json()
    await api.db.pool.query(
      `update orders.orders set status = 'failed', failure_reason = 'payment declined', attempts = 5
       where id = $1`,
      [id],
    )
    const response = await get(`/orders/${id}`)
    assert.equal(response.statusCode, 200)
    const order = response.json()
    assert.equal(order.id, id)
    assert.equal(order.item, 'chair')
    assert.equal(order.quantity, 4)
    assert.equal(order.status, 'failed')
    assert.equal(order.failure_reason, 'payment declined')
    assert.equal(order.attempts, 5)
    assert.equal(order.processed_at, null)
  })

  it('answers 404 for an order that does not exist', async () => {
    const response = await get('/orders/2147483647')
    assert.equal(response.statusCode, 404)
    assert.equal(response.json().detail, 'order 2147483647 does not exist')
  })

  it("answers another customer's order 404, as if it did not exist, and an admin 200", async () => {
    const created = await placeAsCustomer(api.app, { user_id: 7, item: 'stool', quantity: 1 })
    const { id } = created.json()
    const other = await api.app.inject({
      method: 'GET',
      url: `/orders/${id}`,
      headers: await asCustomer(8),
    })
    assert.equal(other.statusCode, 404)
    assert.equal(other.json().detail, `order ${id} does not exist`)
    const admin = await api.app.inject({
      method: 'GET',
      url: `/orders/${id}`,
      headers: await asAdmin(),
    })
    assert.equal(admin.statusCode, 200)
  })

  for (const id of ['abc', '0', '-1', '1.5', '2147483648', '99999999999', '1e3', '%20']) {
    it(`answers 400 for the id "${id}"`, async () => {
      assertBadRequest(await get(`/orders/${id}`))
    })
  }

  it('answers 400 for an unknown query parameter', async () => {
    assertBadRequest(await get('/orders/1?expand=user'))
  })
})
