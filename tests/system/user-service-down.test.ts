/**
 * user-service really down: its process killed, not a stub. order-service and the gateway
 * run as their own processes too, on a database and a queue of this suite's own.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createFailFastRedis } from '@shop/platform'
import {
  createTestDatabase,
  type Stoppable,
  startTestRedis,
  uniqueName,
} from '@shop/platform/testing'
import { type ServiceProcess, startServiceProcess } from './support/service-process.js'

interface Answer {
  status: number
  type: string
  body: Record<string, unknown>
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
  const body = (await res.json()) as Record<string, unknown>
  return { status: res.status, type: res.headers.get('content-type') ?? '', body }
}

const postJson = (url: string, body: unknown) =>
  call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('with user-service down', () => {
  let database: Stoppable
  let redis: Stoppable
  let users: ServiceProcess
  let orders: ServiceProcess
  let gateway: ServiceProcess
  const queueName = uniqueName('orders')
  let userId: number

  before(async () => {
    database = await createTestDatabase()
    redis = await startTestRedis()
    const common = { DATABASE_URL: database.url, LOG_LEVEL: 'info' }
    users = await startServiceProcess('user-service/src/server.ts', common)
    orders = await startServiceProcess('order-service/src/api/server.ts', {
      ...common,
      REDIS_URL: redis.url,
      USER_SERVICE_URL: users.url,
      ORDER_QUEUE_NAME: queueName,
    })
    gateway = await startServiceProcess('api-gateway/src/server.ts', {
      LOG_LEVEL: 'info',
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
    })
    const created = await postJson(`${gateway.url}/users`, {
      email: 'down@example.com',
      full_name: 'Down Tester',
    })
    assert.equal(created.status, 201)
    userId = Number(created.body.id)
    await users.stop('SIGKILL')
  })
  after(async () => {
    for (const running of [gateway, orders, users]) await running?.stop()
    await redis?.stop()
    await database?.stop()
  })

  it('answers POST /orders with a 503 problem naming user-service, straight and through the gateway', async () => {
    for (const base of [orders.url, gateway.url]) {
      const answer = await postJson(`${base}/orders`, { user_id: userId, item: 'x', quantity: 1 })
      assert.equal(answer.status, 503, JSON.stringify(answer.body))
      assert.match(answer.type, /^application\/problem\+json/)
      assert.equal(answer.body.dependency, 'user-service')
    }
  })

  it('creates no order and queues nothing', async () => {
    await postJson(`${orders.url}/orders`, { user_id: userId, item: 'y', quantity: 1 })
    const list = await call(`${orders.url}/orders?user_id=${userId}`)
    assert.equal(list.status, 200)
    assert.deepEqual(list.body, [])
    const client = createFailFastRedis(redis.url, { lazyConnect: true })
    try {
      await client.connect()
      const jobs = await client.keys(`bull:${queueName}:*`)
      assert.deepEqual(
        jobs.filter((key) => !key.endsWith(':meta')),
        [],
      )
    } finally {
      client.disconnect()
    }
  })

  it('answers GET /users through the gateway with a 502 or 503 problem', async () => {
    const answer = await call(`${gateway.url}/users`)
    assert.ok(
      [502, 503].includes(answer.status),
      `${answer.status}: ${JSON.stringify(answer.body)}`,
    )
    assert.match(answer.type, /^application\/problem\+json/)
  })

  it('reports not ready, naming user-service, on order-service and the gateway', async () => {
    for (const base of [orders.url, gateway.url]) {
      const answer = await call(`${base}/readyz`)
      assert.equal(answer.status, 503)
      assert.equal(answer.body.dependency, 'user-service')
    }
  })
})
