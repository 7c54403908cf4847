import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { requestHash, scopedIdempotencyKey } from '@shop/platform/postgres'
import { asAdmin, asCustomer, testIssuer } from '@shop/test-kit'
import { buildApp } from '../../../src/api/app.js'
import { jobIdFor } from '../../../src/orders/order-queue.js'
import {
  apiConfig,
  apiEnv,
  insertOrder,
  inspectQueue,
  uniqueName,
  unreachableUrl,
  useFakeUserService,
  useOrdersDatabase,
  useTestRedis,
} from '../../helpers.js'

describe('POST /orders', () => {
  const db = useOrdersDatabase()
  const redis = useTestRedis()
  const users = useFakeUserService([1, 2])
  let app: Awaited<ReturnType<typeof buildApp>>
  let inspector: ReturnType<typeof inspectQueue>
  let queueName: string

  /** The API on this suite's database, Redis and queue, with `overrides` on top. */
  const appWith = async (overrides: Record<string, string> = {}) =>
    buildApp(
      await apiConfig({
        ...apiEnv(db, redis.url, queueName, users),
        ORDER_MAX_ATTEMPTS: '3',
        ORDER_BACKOFF_MS: '250',
        ...overrides,
      }),
    )

  beforeEach(async () => {
    queueName = uniqueName('orders')
    app = await appWith()
    inspector = inspectQueue(redis.url, queueName)
  })
  afterEach(async () => {
    users.hang(false)
    await app.close()
    await inspector.close()
  })

  /** POST /orders as the customer it is for (customer 1 when it names none). */
  const post = async (payload: unknown, headers: Record<string, string> = {}) => {
    const userId = (payload as { user_id?: unknown }).user_id
    const isId = Number.isInteger(userId) && (userId as number) >= 1 && (userId as number) < 2 ** 31
    const auth = await asCustomer(isId ? (userId as number) : 1)
    return app.inject({
      method: 'POST',
      url: '/orders',
      payload: payload as object,
      headers: { ...auth, ...headers },
    })
  }
  /** POST /orders as admin 100, ordering on someone's behalf. */
  const postAsAdmin = async (payload: object, headers: Record<string, string> = {}, to = app) =>
    to.inject({
      method: 'POST',
      url: '/orders',
      payload,
      headers: { ...(await asAdmin(100)), ...headers },
    })

  it('answers 201 with Location and the pending order, and queues its job', async () => {
    const response = await post(
      { user_id: 1, item: '  book  ', quantity: 2 },
      { 'x-request-id': 'placed-1' },
    )
    assert.equal(response.statusCode, 201)
    const order = response.json()
    assert.equal(response.headers.location, `/orders/${order.id}`)
    assert.deepEqual(
      { ...order, id: 0, created_at: '', updated_at: '' },
      {
        id: 0,
        user_id: 1,
        item: 'book',
        quantity: 2,
        status: 'pending',
        failure_reason: null,
        attempts: 0,
        created_at: '',
        updated_at: '',
        processed_at: null,
      },
    )
    assert.ok(!Number.isNaN(Date.parse(order.created_at)))
    const job = await inspector.queue.getJob(jobIdFor(order.id))
    assert.ok(job, 'a job exists for the order')
    assert.equal(job.id, `order-${order.id}`)
    // The request id rides along, for the worker's log lines about the order.
    assert.deepEqual(job.data, { order_id: order.id, request_id: 'placed-1' })
    assert.equal(job.opts.attempts, 3)
    assert.deepEqual(job.opts.backoff, { type: 'exponential', delay: 250 })
    assert.ok((await db.orderRow(order.id))?.enqueued_at instanceof Date)
  })

  it("places a customer's own order without asking user-service", async () => {
    const response = await post(
      { user_id: 2, item: 'pen', quantity: 1 },
      { 'x-request-id': 'own-1' },
    )
    assert.equal(response.statusCode, 201)
    assert.ok(!users.requestIds.includes('own-1'))
  })

  it('answers 403 to a customer ordering for another user, and creates nothing', async () => {
    const before = await db.orderCount()
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { user_id: 2, item: 'pen', quantity: 1 },
      headers: { ...(await asCustomer(1)), 'x-request-id': 'not-yours' },
    })
    assert.equal(response.statusCode, 403)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(await db.orderCount(), before)
    assert.ok(!users.requestIds.includes('not-yours'))
  })

  it('answers 401 without a token, and creates nothing', async () => {
    const before = await db.orderCount()
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { user_id: 1, item: 'pen', quantity: 1 },
    })
    assert.equal(response.statusCode, 401)
    assert.equal(await db.orderCount(), before)
  })

  it("asks user-service with the admin's token and the request id when an admin orders for someone", async () => {
    const response = await postAsAdmin(
      { user_id: 2, item: 'pen', quantity: 1 },
      { 'x-request-id': 'trace-me-42' },
    )
    assert.equal(response.statusCode, 201)
    assert.equal(response.json().user_id, 2)
    const asked = users.requestIds.indexOf('trace-me-42')
    assert.ok(asked >= 0)
    const [, token] = /^Bearer (.+)$/.exec(users.authorizations[asked] ?? '') ?? []
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString())
    assert.deepEqual([claims.sub, claims.roles], ['100', ['admin']])
  })

  it('answers 422 when the user an admin orders for does not exist, and creates nothing', async () => {
    const before = await db.orderCount()
    const response = await postAsAdmin({ user_id: 999, item: 'book', quantity: 1 })
    assert.equal(response.statusCode, 422)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(response.json().detail, 'user 999 does not exist')
    assert.equal(await db.orderCount(), before)
  })

  it('sees a user created after a 422 at once', async () => {
    const id = 1_000 + Math.floor(Math.random() * 1_000_000)
    assert.equal((await postAsAdmin({ user_id: id, item: 'book', quantity: 1 })).statusCode, 422)
    users.add(id)
    const created = await postAsAdmin({ user_id: id, item: 'book', quantity: 1 })
    assert.equal(created.statusCode, 201)
    assert.equal(created.json().user_id, id)
  })

  it('asks user-service about every order an admin places for someone, and none for themselves', async () => {
    const asked = () => users.requestIds.filter((id) => id.startsWith('every-')).length
    for (let i = 0; i < 3; i++) {
      const response = await postAsAdmin(
        { user_id: 2, item: 'pen', quantity: 1 },
        { 'x-request-id': `every-${i}` },
      )
      assert.equal(response.statusCode, 201)
    }
    const own = await postAsAdmin(
      { user_id: 100, item: 'pen', quantity: 1 },
      { 'x-request-id': 'every-own' },
    )
    assert.equal(own.statusCode, 201)
    assert.equal(asked(), 3)
  })

  it('queues the job of every order placed at once, each once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => post({ user_id: 1, item: 'bulk', quantity: 1 })),
    )
    const ids = responses.map((response) => {
      assert.equal(response.statusCode, 201)
      return response.json().id as number
    })
    for (const id of ids) {
      assert.ok(await inspector.queue.getJob(`order-${id}`), `job of order ${id}`)
      assert.ok((await db.orderRow(id))?.enqueued_at instanceof Date)
    }
    assert.equal(await inspector.queue.count(), ids.length)
  })

  describe('answers 400 and creates nothing', () => {
    const valid = { user_id: 1, item: 'book', quantity: 1 }
    const cases: [string, unknown][] = [
      ['quantity 0', { ...valid, quantity: 0 }],
      ['quantity -1', { ...valid, quantity: -1 }],
      ['quantity 1.5', { ...valid, quantity: 1.5 }],
      ['quantity beyond the integer column', { ...valid, quantity: 2_147_483_648 }],
      ['quantity as a string', { ...valid, quantity: '3' }],
      ['quantity null', { ...valid, quantity: null }],
      ['quantity missing', { user_id: 1, item: 'book' }],
      ['user_id 0', { ...valid, user_id: 0 }],
      ['user_id beyond the integer column', { ...valid, user_id: 2_147_483_648 }],
      ['user_id as a string', { ...valid, user_id: '1' }],
      ['user_id missing', { item: 'book', quantity: 1 }],
      ['item empty', { ...valid, item: '' }],
      ['item only spaces', { ...valid, item: '   ' }],
      ['item over 200 characters', { ...valid, item: 'x'.repeat(201) }],
      ['item not a string', { ...valid, item: 42 }],
      // PostgreSQL text cannot hold NUL: it must be refused here, not by the database.
      ['item with a NUL character', { ...valid, item: 'bo\u0000ok' }],
      ['item with a control character', { ...valid, item: 'bo\u0007ok' }],
      ['item with an unpaired surrogate', { ...valid, item: 'bo\ud800ok' }],
      ['item missing', { user_id: 1, quantity: 1 }],
      ['an unknown field', { ...valid, price: 10 }],
      ['an array body', [valid]],
    ]
    for (const [name, payload] of cases) {
      it(`for ${name}`, async () => {
        const before = await db.orderCount()
        const response = await post(payload)
        assert.equal(response.statusCode, 400, response.body)
        assert.equal(response.json().status, 400)
        assert.equal(await db.orderCount(), before)
      })
    }

    it('for malformed JSON', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'application/json', ...(await asCustomer(1)) },
        payload: '{"user_id": 1, "item": ',
      })
      assert.equal(response.statusCode, 400)
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
    })

    it('for a text body', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'text/plain', ...(await asCustomer(1)) },
        payload: 'user_id=1',
      })
      assert.equal(response.statusCode, 400)
    })

    it('for an empty body', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'application/json', ...(await asCustomer(1)) },
      })
      assert.equal(response.statusCode, 400)
    })

    it('for a malformed Idempotency-Key', async () => {
      const response = await post(valid, { 'idempotency-key': 'has spaces in it' })
      assert.equal(response.statusCode, 400)
    })

    it('accepts 200 characters and the largest integer', async () => {
      const response = await post({ user_id: 1, item: 'x'.repeat(200), quantity: 2_147_483_647 })
      assert.equal(response.statusCode, 201)
    })
  })

  it('answers 415 for a media type it does not read', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/xml', ...(await asCustomer(1)) },
      payload: '<order/>',
    })
    assert.equal(response.statusCode, 415)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  describe('when user-service cannot answer', () => {
    /**
     * An admin's order for someone, sent to `other`, is answered 503 for user-service and
     * creates no order and no job; a customer's own order is placed all the same.
     */
    async function assertUnavailable(other: Awaited<ReturnType<typeof appWith>>) {
      try {
        const before = await db.orderCount()
        const response = await postAsAdmin({ user_id: 1, item: 'book', quantity: 1 }, {}, other)
        assert.equal(response.statusCode, 503)
        assert.equal(response.json().detail, 'user-service is unavailable')
        assert.equal(await db.orderCount(), before)
        assert.equal(await inspector.queue.count(), 0)
        const own = await other.inject({
          method: 'POST',
          url: '/orders',
          payload: { user_id: 1, item: 'book', quantity: 1 },
          headers: await asCustomer(1),
        })
        assert.equal(own.statusCode, 201)
      } finally {
        await other.close()
      }
    }

    it('answers 503 when it is unreachable, and creates nothing', async () => {
      await assertUnavailable(await appWith({ USER_SERVICE_URL: await unreachableUrl() }))
    })

    it('answers 503 when it does not answer in time, and creates nothing', async () => {
      const slow = await appWith({ USER_SERVICE_TIMEOUT_MS: '200' })
      users.hang(true)
      await assertUnavailable(slow)
    })

    it('tries the next replica when one is unreachable', async () => {
      const replicas = await appWith({
        USER_SERVICE_URL: `${await unreachableUrl()}, ${users.url}`,
      })
      try {
        // Each check starts on the next replica in turn: one of the two meets the unreachable one.
        for (let i = 0; i < 2; i++) {
          const response = await postAsAdmin(
            { user_id: i + 1, item: 'book', quantity: 1 },
            {},
            replicas,
          )
          assert.equal(response.statusCode, 201)
        }
      } finally {
        await replicas.close()
      }
    })
  })

  describe('with an Idempotency-Key', () => {
    it('replays the first response for the same key and body, creating nothing more', async () => {
      const key = uniqueName('key')
      const first = await post(
        { user_id: 1, item: 'lamp', quantity: 1 },
        { 'idempotency-key': key },
      )
      assert.equal(first.statusCode, 201)
      const count = await db.orderCount()
      const jobs = await inspector.queue.count()

      const again = await post(
        { quantity: 1, item: 'lamp', user_id: 1 },
        { 'idempotency-key': key },
      )
      assert.equal(again.statusCode, 201)
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.equal(again.headers.location, first.headers.location)
      assert.deepEqual(again.json(), first.json())
      assert.equal(await db.orderCount(), count)
      assert.equal(await inspector.queue.count(), jobs)
    })

    it('replays the first answer after the order has moved on', async () => {
      const key = uniqueName('key')
      const body = { user_id: 1, item: 'globe', quantity: 1 }
      const first = await post(body, { 'idempotency-key': key })
      await db.pool.query(
        `update orders.orders set status = 'processed', processed_at = now() where id = $1`,
        [first.json().id],
      )
      const again = await post(body, { 'idempotency-key': key })
      assert.equal(again.headers['idempotent-replayed'], 'true')
      assert.deepEqual(again.json(), first.json())
      assert.equal(again.json().status, 'pending')
    })

    it('replays a key stored with the answer itself, as earlier versions stored it', async () => {
      const key = uniqueName('key')
      const body = { user_id: 1, item: 'quill', quantity: 3 }
      const id = await insertOrder(db, { userId: 1, item: 'quill', quantity: 3 })
      const answer = {
        id,
        user_id: 1,
        item: 'quill',
        quantity: 3,
        status: 'pending',
        failure_reason: null,
        attempts: 0,
        created_at: '2026-01-15T09:31:00.123Z',
        updated_at: '2026-01-15T09:31:00.123Z',
        processed_at: null,
      }
      const stored = scopedIdempotencyKey([(await testIssuer()).url, '1'], key)
      await db.pool.query(
        `insert into orders.idempotency_keys (key, request_hash, status_code, response_body, location)
         values ($1, $2, 201, $3, $4)`,
        [stored, requestHash(body), answer, `/orders/${id}`],
      )
      const replayed = await post(body, { 'idempotency-key': key })
      assert.equal(replayed.statusCode, 201)
      assert.equal(replayed.headers['idempotent-replayed'], 'true')
      assert.equal(replayed.headers.location, `/orders/${id}`)
      assert.deepEqual(replayed.json(), answer)
    })

    it('creates one order for concurrent requests with one key, and answers each the same', async () => {
      const key = uniqueName('key')
      const count = await db.orderCount()
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          post({ user_id: 1, item: 'race', quantity: 1 }, { 'idempotency-key': key }),
        ),
      )
      for (const answer of answers) {
        assert.equal(answer.statusCode, 201)
        assert.deepEqual(answer.json(), answers[0]?.json())
      }
      assert.equal(await db.orderCount(), count + 1)
    })

    it('answers 422 for the same key with a different body', async () => {
      const key = uniqueName('key')
      await post({ user_id: 1, item: 'lamp', quantity: 1 }, { 'idempotency-key': key })
      const count = await db.orderCount()
      const changed = await post(
        { user_id: 1, item: 'lamp', quantity: 2 },
        { 'idempotency-key': key },
      )
      assert.equal(changed.statusCode, 422)
      assert.equal(await db.orderCount(), count)
    })

    it('does not burn the key when the user an admin orders for does not exist', async () => {
      const key = uniqueName('key')
      const unknown = await postAsAdmin(
        { user_id: 999, item: 'lamp', quantity: 1 },
        { 'idempotency-key': key },
      )
      assert.equal(unknown.statusCode, 422)
      const fixed = await postAsAdmin(
        { user_id: 2, item: 'lamp', quantity: 1 },
        { 'idempotency-key': key },
      )
      assert.equal(fixed.statusCode, 201)
      assert.equal(fixed.headers['idempotent-replayed'], undefined)
    })

    it("keeps one caller's key apart from the same key of another", async () => {
      const key = uniqueName('claimed-first')
      const first = await post(
        { user_id: 1, item: 'lamp', quantity: 1 },
        { 'idempotency-key': key },
      )
      const second = await post(
        { user_id: 2, item: 'desk', quantity: 3 },
        { 'idempotency-key': key },
      )
      assert.equal(first.statusCode, 201)
      assert.equal(second.statusCode, 201)
      assert.equal(second.headers['idempotent-replayed'], undefined)
      assert.equal(second.json().user_id, 2)
      // An admin ordering for customer 1 under the same key is a third caller.
      const admin = await postAsAdmin(
        { user_id: 1, item: 'lamp', quantity: 1 },
        { 'idempotency-key': key },
      )
      assert.equal(admin.statusCode, 201)
      assert.notEqual(admin.json().id, first.json().id)
    })
  })
})
