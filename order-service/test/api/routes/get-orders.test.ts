import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { useOrderApi } from '../../helpers.js'

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
      const response = await api.app.inject({
        method: 'POST',
        url: '/orders',
        payload: { user_id: userId, item, quantity: 1 },
      })
      ids.push(response.json().id)
    }
    await api.db.pool.query(
      `update orders.orders set status = 'processed', processed_at = now() where id = $1`,
      [ids[1]],
    )
  })
  const get = (url: string) => api.app.inject({ method: 'GET', url })

  it('lists every order by id', async () => {
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

  it('answers 200 with the order and its processing status', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/orders',
      payload: { user_id: 7, item: 'chair', quantity: 4 },
    })
    const { id } = created.json()
    await api.db.pool.query(
      `update orders.orders set status = 'failed', failure_reason = 'payment declined', attempts = 5
       where id = $1`,
      [id],
    )
    const response = await api.app.inject({ method: 'GET', url: `/orders/${id}` })
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
    const response = await api.app.inject({ method: 'GET', url: '/orders/2147483647' })
    assert.equal(response.statusCode, 404)
    assert.equal(response.json().detail, 'order 2147483647 does not exist')
  })

  for (const id of ['abc', '0', '-1', '1.5', '2147483648', '99999999999', '1e3', '%20']) {
    it(`answers 400 for the id "${id}"`, async () => {
      const response = await api.app.inject({ method: 'GET', url: `/orders/${id}` })
      assertBadRequest(response)
    })
  }

  it('answers 400 for an unknown query parameter', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/orders/1?expand=user' })
    assertBadRequest(response)
  })
})
