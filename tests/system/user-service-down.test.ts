/**
 * user-service really down: its process killed, not a stub. order-service and the gateway
 * run as their own processes too, on a database and a queue of this suite's own. Both have
 * fetched the issuer's keys before it goes, as they would have in any running shop.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { createFailFastRedis } from '@shop/platform/redis'
import {
  createTestDatabase,
  type SignedUp,
  type Stoppable,
  scratchDir,
  signUp,
  startTestRedis,
  suiteSetup,
  uniqueName,
} from '@shop/test-kit'
import { publishDocument } from './support/conformance.js'
import { stackDocuments } from './support/documents.js'
import { shopClient, signInAdmin } from './support/http.js'
import { type ServiceProcess, startServiceProcess } from './support/service-process.js'

describe('with user-service down', () => {
  let database: Stoppable
  let redis: Stoppable
  let users: ServiceProcess
  let orders: ServiceProcess
  let gateway: ServiceProcess
  const queueName = uniqueName('orders')
  let userId: number
  /** Another customer, ordering for themselves. */
  let other: SignedUp
  /** The admin's typed clients, every answer checked against the document of the process it reaches. */
  let straight: ShopClient
  let through: ShopClient
  const admin = { email: 'down-admin@example.com', password: 'down admin password' }

  suiteSetup(async (teardown) => {
    let keys: string | undefined
    teardown(async () => {
      for (const running of [gateway, orders, users]) await running?.stop()
      await redis?.stop()
      await database?.stop()
      if (keys) await rm(keys, { recursive: true, force: true })
    })
    database = await createTestDatabase()
    redis = await startTestRedis()
    keys = await scratchDir('down-keys-')
    const common = {
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      AUTH_ISSUER: 'http://shop.down.test',
    }
    users = await startServiceProcess('user-service/src/server.ts', {
      ...common,
      AUTH_KEYS_DIR: keys,
      SHOP_ADMIN_EMAIL: admin.email,
      SHOP_ADMIN_PASSWORD: admin.password,
    })
    const discovery = {
      AUTH_ISSUER: common.AUTH_ISSUER,
      AUTH_DISCOVERY_URL: `${users.url}/.well-known/openid-configuration`,
    }
    orders = await startServiceProcess('order-service/src/api/server.ts', {
      ...common,
      ...discovery,
      REDIS_URL: redis.url,
      USER_SERVICE_URL: users.url,
      ORDER_QUEUE_NAME: queueName,
    })
    gateway = await startServiceProcess('api-gateway/src/server.ts', {
      LOG_LEVEL: 'info',
      ...discovery,
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
    })
    const urls = { gateway: gateway.url, userService: users.url, orderService: orders.url }
    const documents = await stackDocuments(urls)
    publishDocument(gateway.url, 'api-gateway', documents['api-gateway'])
    publishDocument(orders.url, 'order-service', documents['order-service'])
    const { token } = await signInAdmin(gateway.url, admin)
    straight = shopClient(orders.url, token)
    through = shopClient(gateway.url, token)
    userId = (await signUp(gateway.url)).id
    other = await signUp(gateway.url)
    // The gateway and order-service fetch the issuer's keys on their first token.
    for (const client of [straight, through]) {
      assert.equal((await client.GET('/orders')).response.status, 200)
    }
    await users.stop('SIGKILL')
  })

  it('answers an admin ordering for a customer with a 503 problem naming user-service, straight and through the gateway', async () => {
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

  it("still takes a customer's order for themselves: their token vouches for them", async () => {
    for (const base of [orders.url, gateway.url]) {
      const { data, response } = await shopClient(base, other.token).POST('/orders', {
        body: { user_id: other.id, item: 'while it is down', quantity: 1 },
      })
      assert.equal(response.status, 201, base)
      assert.equal(data?.user_id, other.id)
    }
  })
})
