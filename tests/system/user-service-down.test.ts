/**
 * user-service really down: its process killed, not a stub. order-service and the gateway
 * run as their own processes too, on a database and a queue of this suite's own.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { createFailFastRedis } from '@shop/platform/redis'
import {
  createTestDatabase,
  type Stoppable,
  startTestRedis,
  suiteSetup,
  uniqueName,
} from '@shop/test-kit'
import { publishDocument } from './support/conformance.js'
import { stackDocuments } from './support/documents.js'
import { shopClient } from './support/http.js'
import { type ServiceProcess, startServiceProcess } from './support/service-process.js'

describe('with user-service down', () => {
  let database: Stoppable
  let redis: Stoppable
  let users: ServiceProcess
  let orders: ServiceProcess
  let gateway: ServiceProcess
  const queueName = uniqueName('orders')
  let userId: number
  /** Typed clients, every answer checked against the document of the process it reaches. */
  let straight: ShopClient
  let through: ShopClient

  suiteSetup(async (teardown) => {
    teardown(async () => {
      for (const running of [gateway, orders, users]) await running?.stop()
      await redis?.stop()
      await database?.stop()
    })
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
    const urls = { gateway: gateway.url, userService: users.url, orderService: orders.url }
    const documents = await stackDocuments(urls)
    publishDocument(gateway.url, 'api-gateway', documents['api-gateway'])
    publishDocument(orders.url, 'order-service', documents['order-service'])
    straight = shopClient(orders.url)
    through = shopClient(gateway.url)
    const created = await through.POST('/users', {
      body: { email: 'down@example.com', full_name: 'Down Tester' },
    })
    assert.ok(created.data, `POST /users answered ${created.response.status}`)
    userId = created.data.id
    await users.stop('SIGKILL')
  })

  it('answers POST /orders with a 503 problem naming user-service, straight and through the gateway', async () => {
    for (const client of [straight, through]) {
      const { error, response } = await client.POST('/orders', {
        body: { user_id: userId, item: 'x', quantity: 1 },
      })
      assert.equal(response.status, 503, JSON.stringify(error))
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      assert.equal(error?.dependency, 'user-service')
    }
  })

  it('creates no order and queues nothing', async () => {
    await straight.POST('/orders', { body: { user_id: userId, item: 'y', quantity: 1 } })
    const list = await straight.GET('/orders', { params: { query: { user_id: String(userId) } } })
    assert.equal(list.response.status, 200)
    assert.deepEqual(list.data, [])
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
    const { error, response } = await through.GET('/users')
    assert.ok([502, 503].includes(response.status), `${response.status}: ${JSON.stringify(error)}`)
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  })

  it('reports not ready, naming user-service, on order-service and the gateway', async () => {
    for (const client of [straight, through]) {
      const { error, response } = await client.GET('/readyz')
      assert.equal(response.status, 503)
      assert.equal(error?.dependency, 'user-service')
    }
  })
})
