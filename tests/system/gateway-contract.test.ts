/**
 * What the gateway itself answers on every proxied operation, checked against its merged
 * document like every other answer: 429 over the rate limit, 502 when the service drops the
 * connection, 503 when no replica is reachable, 504 when the service does not answer in time.
 * Each fault is real: gateway processes of their own in front of upstreams that misbehave.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { suiteSetup } from '@shop/test-kit'
import { publishDocument } from './support/conformance.js'
import {
  droppingUpstream,
  type FaultyUpstream,
  hangingUpstream,
  unreachableUpstream,
} from './support/faulty-upstreams.js'
import { shopClient, signInAdmin } from './support/http.js'
import { type ServiceProcess, startServiceProcess } from './support/service-process.js'
import { startTestStack, type TestStack } from './support/test-stack.js'

const idOf = (id: string) => ({ params: { path: { id } } })

/** Every operation the gateway proxies, asked as a client would. */
const PROXIED: [string, (client: ShopClient) => Promise<{ response: Response }>][] = [
  [
    'createUser',
    (c) =>
      c.POST('/users', {
        body: { email: 'ada@example.com', full_name: 'Ada', password: 'a long password' },
      }),
  ],
  [
    'createToken',
    (c) => c.POST('/tokens', { body: { email: 'ada@example.com', password: 'a long password' } }),
  ],
  ['getOpenIdConfiguration', (c) => c.GET('/.well-known/openid-configuration')],
  ['getJsonWebKeySet', (c) => c.GET('/.well-known/jwks.json')],
  ['getCurrentUser', (c) => c.GET('/users/me')],
  ['listUsers', (c) => c.GET('/users')],
  ['getUser', (c) => c.GET('/users/{id}', idOf('1'))],
  ['placeOrder', (c) => c.POST('/orders', { body: { user_id: 1, item: 'x', quantity: 1 } })],
  ['listOrders', (c) => c.GET('/orders')],
  ['getOrder', (c) => c.GET('/orders/{id}', idOf('1'))],
]

let running: TestStack
/** The admin's, from the stack's user-service: valid wherever the gateway under test looks. */
let adminToken: string
const gateways: ServiceProcess[] = []
const upstreams: FaultyUpstream[] = []

/**
 * A gateway process of its own in front of `upstream`, verifying tokens with the stack's
 * user-service, checked against the merged document; its client sends the admin's token.
 */
async function gatewayBefore(upstream: { users: string; orders: string }, env = {}) {
  const { gateway: issuer, userService } = running.stack.urls
  const gateway = await startServiceProcess('api-gateway/src/server.ts', {
    LOG_LEVEL: 'info',
    USER_SERVICE_URL: upstream.users,
    ORDER_SERVICE_URL: upstream.orders,
    AUTH_ISSUER: issuer,
    AUTH_DISCOVERY_URL: `${userService}/.well-known/openid-configuration`,
    ...env,
  })
  gateways.push(gateway)
  publishDocument(gateway.url, 'api-gateway', running.documents['api-gateway'])
  return shopClient(gateway.url, adminToken)
}

suiteSetup(async (teardown) => {
  teardown(async () => {
    for (const gateway of gateways) await gateway.stop()
    for (const upstream of upstreams) await upstream.close()
    await running?.stop()
  })
  running = await startTestStack({ workers: 1 })
  adminToken = (await signInAdmin(running.stack.urls.gateway, running.admin)).token
})

describe("the gateway's own answers, as its document lists them", () => {
  it('429 to every operation over the rate limit, Swagger UI and the document included', async () => {
    const { userService, orderService } = running.stack.urls
    const client = await gatewayBefore(
      { users: userService, orders: orderService },
      { RATE_LIMIT_MAX: '1', RATE_LIMIT_CREDENTIALS_MAX: '1', RATE_LIMIT_WINDOW_MS: '600000' },
    )
    // Four counts, each used up: the admin's, this address's (public reads, where a token is
    // not looked at), and the address's for each of sign-up and sign-in.
    await client.GET('/users')
    await client.GET('/.well-known/jwks.json')
    const grace = { email: 'grace@example.com', password: 'a long password' }
    await client.POST('/users', { body: { ...grace, full_name: 'Grace' } })
    await client.POST('/tokens', { body: grace })
    const limited: [string, (c: ShopClient) => Promise<{ response: Response }>][] = [
      ...PROXIED,
      ['getApiReference', (c) => c.GET('/docs', { parseAs: 'text' })],
      ['getOpenApiDocument', (c) => c.GET('/docs/json')],
    ]
    for (const [operation, send] of limited) {
      const { response } = await send(client)
      assert.equal(response.status, 429, operation)
      assert.ok(response.headers.get('retry-after'), `${operation}: Retry-After`)
    }
  })

  it('502 to every operation when the service drops the connection', async () => {
    const dropping = await droppingUpstream()
    upstreams.push(dropping)
    const client = await gatewayBefore({ users: dropping.url, orders: dropping.url })
    for (const [operation, send] of PROXIED) {
      assert.equal((await send(client)).response.status, 502, operation)
    }
  })

  it('503 to every operation when no replica of the service is reachable', async () => {
    const nowhere = await unreachableUpstream()
    const client = await gatewayBefore({ users: nowhere, orders: nowhere })
    for (const [operation, send] of PROXIED) {
      assert.equal((await send(client)).response.status, 503, operation)
    }
  })

  it('504 to every operation when the service does not answer in time', async () => {
    const hanging = await hangingUpstream()
    upstreams.push(hanging)
    const client = await gatewayBefore(
      { users: hanging.url, orders: hanging.url },
      { UPSTREAM_TIMEOUT_MS: '300' },
    )
    for (const [operation, send] of PROXIED) {
      assert.equal((await send(client)).response.status, 504, operation)
    }
  })
})
