/**
 * The SPEC's access rules end to end, through the gateway and straight to each service, with
 * real tokens from user-service: two customers and the bootstrap admin. The stack signs with
 * a key this suite made (AUTH_SIGNING_KEYS), so it can also forge what only a thief of that
 * key could not: expired, wrong-issuer and wrong-audience tokens signed with the real key, as
 * well as `alg: none`, HS256 keyed with the public key, a tampered payload and a foreign key.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { type SignedUp, suiteSetup } from '@shop/test-kit'
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import { call, placeOrder, shopClient, signInAdmin, signUpCustomer } from './support/http.js'
import { startTestStack, type TestStack } from './support/test-stack.js'

let running: TestStack
let signingJwk: JWK
let kid: string
let ada: SignedUp & { orderId: number }
let bob: SignedUp & { orderId: number }
let adminToken: string

const via = (base: string, token?: string): ShopClient => shopClient(base, token)
const id = (value: number) => ({ params: { path: { id: String(value) } } })

suiteSetup(async (teardown) => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const { kty, crv, x, y, d } = await exportJWK(privateKey)
  signingJwk = { kty, crv, x, y, d }
  kid = await calculateJwkThumbprint({ kty, crv, x, y } as JWK)
  running = await startTestStack({
    workers: 1,
    env: { AUTH_SIGNING_KEYS: JSON.stringify({ keys: [signingJwk] }) },
  })
  teardown(() => running.stop())
  const { gateway } = running.stack.urls
  const [a, b] = [await signUpCustomer(gateway), await signUpCustomer(gateway)]
  ada = { ...a, orderId: (await placeOrder(a.client, a.id, 'ada book')).id }
  bob = { ...b, orderId: (await placeOrder(b.client, b.id, 'bob book')).id }
  adminToken = (await signInAdmin(gateway, running.admin)).token
})

/** The gateway, and each service for its own routes. */
function bases() {
  const { gateway, userService, orderService } = running.stack.urls
  return [
    { name: 'gateway', users: gateway, orders: gateway },
    { name: 'straight', users: userService, orders: orderService },
  ]
}

describe('a customer', () => {
  it("reads their own user and orders, and another customer's as if they did not exist (404)", async () => {
    for (const { name, users, orders } of bases()) {
      assert.equal(
        (await via(users, ada.token).GET('/users/{id}', id(ada.id))).response.status,
        200,
      )
      assert.equal(
        (await via(users, ada.token).GET('/users/{id}', id(bob.id))).response.status,
        404,
        name,
      )
      const own = await via(orders, ada.token).GET('/orders/{id}', id(ada.orderId))
      assert.equal(own.response.status, 200, name)
      const other = await via(orders, ada.token).GET('/orders/{id}', id(bob.orderId))
      assert.equal(other.response.status, 404, name)
      assert.equal(JSON.stringify(other.error).includes('bob book'), false)
    }
  })

  it("sees only their own orders in a list, and cannot ask for another's (403)", async () => {
    for (const { name, orders } of bases()) {
      const client = via(orders, ada.token)
      const mine = await client.GET('/orders', { params: { query: { limit: '1000' } } })
      assert.equal(mine.response.status, 200, name)
      assert.deepEqual(
        [...new Set(mine.data?.map((order) => order.user_id))],
        [ada.id],
        `${name}: only Ada's orders`,
      )
      const query = { user_id: String(bob.id) }
      const refused = await client.GET('/orders', { params: { query } })
      assert.equal(refused.response.status, 403, name)
    }
  })

  it('cannot list users (403)', async () => {
    for (const { name, users } of bases()) {
      assert.equal((await via(users, ada.token).GET('/users')).response.status, 403, name)
    }
  })

  it('cannot order for another customer (403), and nothing is created', async () => {
    const before = await bobsOrderCount()
    for (const { name, orders } of bases()) {
      const answer = await via(orders, ada.token).POST('/orders', {
        body: { user_id: bob.id, item: 'on Bob', quantity: 1 },
      })
      assert.equal(answer.response.status, 403, name)
    }
    assert.equal(await bobsOrderCount(), before)
  })
})

describe('the admin', () => {
  it('lists every user, reads any user and order, and orders for a customer', async () => {
    for (const { name, users, orders } of bases()) {
      const admin = via(users, adminToken)
      const listed = await admin.GET('/users', { params: { query: { limit: '1000' } } })
      assert.equal(listed.response.status, 200, name)
      const ids = listed.data?.map((user) => user.id) ?? []
      assert.ok(ids.includes(ada.id) && ids.includes(bob.id), name)
      assert.equal((await admin.GET('/users/{id}', id(bob.id))).response.status, 200, name)
      const orderClient = via(orders, adminToken)
      assert.equal((await orderClient.GET('/orders/{id}', id(bob.orderId))).response.status, 200)
      const bobs = await orderClient.GET('/orders', {
        params: { query: { user_id: String(bob.id) } },
      })
      assert.equal(bobs.response.status, 200, name)
      assert.ok(
        bobs.data?.some((order) => order.id === bob.orderId),
        name,
      )
      const placed = await orderClient.POST('/orders', {
        body: { user_id: bob.id, item: 'a gift', quantity: 1 },
      })
      assert.equal(placed.response.status, 201, name)
      assert.equal(placed.data?.user_id, bob.id)
    }
  })
})

/** Bob's orders as the admin sees them. */
async function bobsOrderCount() {
  const { data } = await via(running.stack.urls.gateway, adminToken).GET('/orders', {
    params: { query: { user_id: String(bob.id), limit: '1000' } },
  })
  return data?.length ?? -1
}

/** Ada's genuine claims, changed by `change`, signed with the stack's own key. */
async function withRealKey(change: (claims: JWTPayload) => JWTPayload) {
  const key = await importJWK({ ...signingJwk, alg: 'ES256' }, 'ES256')
  return new SignJWT(change(decodeJwt(ada.token)))
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .sign(key)
}

const unsigned = (header: object, payload: object, signature = '') =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`

/** Tokens every verifier refuses with 401, each wrong in one way. */
async function badTokens(): Promise<[string, string | undefined][]> {
  const now = Math.floor(Date.now() / 1000)
  const genuine = decodeJwt(ada.token)
  const [header, , signature] = ada.token.split('.')
  const foreign = await generateKeyPair('ES256')
  const publicJwk = { kty: signingJwk.kty, crv: signingJwk.crv, x: signingJwk.x, y: signingJwk.y }
  const hmacKey = new TextEncoder().encode(JSON.stringify(publicJwk))
  return [
    ['no token', undefined],
    ['not a JWT', 'not-a-token'],
    ['expired', await withRealKey((c) => ({ ...c, iat: now - 3_600, exp: now - 60 }))],
    ['wrong issuer', await withRealKey((c) => ({ ...c, iss: 'https://evil.example' }))],
    ['wrong audience', await withRealKey((c) => ({ ...c, aud: 'another-shop' }))],
    ['alg none', unsigned({ alg: 'none', typ: 'JWT' }, { ...genuine, roles: ['admin'] })],
    [
      'HS256 keyed with the public key',
      await new SignJWT({ ...genuine, roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
        .sign(hmacKey),
    ],
    [
      'tampered payload (admin role added)',
      `${header}.${base64url.encode(JSON.stringify({ ...genuine, roles: ['admin'] }))}.${signature}`,
    ],
    [
      'signed by a foreign key under the real kid',
      await new SignJWT({ ...genuine, roles: ['admin'] })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .sign(foreign.privateKey),
    ],
  ]
}

describe('a bad token', () => {
  it('gets 401 with a Bearer challenge on every protected route, and changes nothing', async () => {
    const before = await bobsOrderCount()
    const { gateway, userService, orderService } = running.stack.urls
    const requests = [
      [gateway, 'GET', '/users'],
      [gateway, 'GET', `/users/${bob.id}`],
      [gateway, 'GET', '/users/me'],
      [gateway, 'GET', '/orders'],
      [gateway, 'GET', `/orders/${bob.orderId}`],
      [gateway, 'POST', '/orders'],
      [userService, 'GET', '/users'],
      [userService, 'GET', `/users/${bob.id}`],
      [orderService, 'GET', `/orders/${bob.orderId}`],
      [orderService, 'POST', '/orders'],
    ] as const
    for (const [what, token] of await badTokens()) {
      for (const [base, method, path] of requests) {
        const answer = await call(`${base}${path}`, {
          method,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
          ...(method === 'POST' ? { body: { user_id: bob.id, item: 'forged', quantity: 1 } } : {}),
        })
        const where = `${what}: ${method} ${base}${path}`
        assert.equal(answer.status, 401, where)
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"/, where)
        if (token !== undefined) {
          assert.match(answer.headers.get('www-authenticate') ?? '', /error="invalid_token"/, where)
        }
      }
    }
    assert.equal(await bobsOrderCount(), before)
  })
})
