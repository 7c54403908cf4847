import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asAdmin, asCustomer, bearer, type Forgery, suiteStarted, testIssuer } from '@shop/test-kit'
import { startRealServices } from './support/real-services.js'
import { realUpstreams, useGateway } from './support/suite.js'

/** What a client can tell apart in an answer; timestamps differ between two runs. */
interface Answer {
  status: number
  contentType: string | null
  location: string | null
  link: string | null
  replayed: string | null
  challenge: string | null
  body: string
}

const TIMESTAMP = /"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"/g

/** Headers a step must carry, so comparing them compares something. */
type Shown = 'location' | 'link' | 'replayed' | 'challenge'

/** Who calls: an admin, a customer by user id, nobody, or a forged token of customer 1. */
type As = 'admin' | number | 'anonymous' | Forgery

interface Call {
  method: 'GET' | 'POST'
  path: string
  as: As
  body?: string
  headers?: Record<string, string>
}

/**
 * The same users/orders story played against two identical, fresh systems: one called
 * directly, one through the gateway. Each step's answers must match.
 */
const story: Array<{ name: string; call: Call; status: number; shows?: Shown[] }> = [
  {
    name: 'POST /users creates a user: 201 with Location',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"ada@example.com","full_name":"Ada","password":"contract password"}',
    },
    status: 201,
    shows: ['location'],
  },
  {
    name: 'POST /users with an invalid email: 400',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"not-an-email","full_name":"X","password":"contract password"}',
    },
    status: 400,
  },
  {
    name: 'POST /users with malformed JSON: 400',
    call: { method: 'POST', path: '/users', as: 'anonymous', body: '{"email": ' },
    status: 400,
  },
  {
    name: 'POST /users with a taken email in other case: 409',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"ADA@example.com","full_name":"A","password":"contract password"}',
    },
    status: 409,
  },
  {
    name: 'POST /users with an Idempotency-Key: 201',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"bob@example.com","full_name":"Bob","password":"contract password"}',
      headers: { 'idempotency-key': 'create-bob' },
    },
    status: 201,
    shows: ['location'],
  },
  {
    name: 'POST /users repeated with the same key and body: the first answer replayed',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"full_name":"Bob","email":"bob@example.com","password":"contract password"}',
      headers: { 'idempotency-key': 'create-bob' },
    },
    status: 201,
    shows: ['location', 'replayed'],
  },
  {
    name: 'POST /users with the same key and email and another body: 422',
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"bob@example.com","full_name":"Robert","password":"contract password"}',
      headers: { 'idempotency-key': 'create-bob' },
    },
    status: 422,
  },
  {
    name: "POST /users with another email under bob's key: 201, the key is the email's",
    call: {
      method: 'POST',
      path: '/users',
      as: 'anonymous',
      body: '{"email":"carol@example.com","full_name":"Carol","password":"contract password"}',
      headers: { 'idempotency-key': 'create-bob' },
    },
    status: 201,
    shows: ['location'],
  },
  {
    name: 'GET /users?limit=1 as an admin: first page with a Link to the next',
    call: { method: 'GET', path: '/users?limit=1', as: 'admin' },
    status: 200,
    shows: ['link'],
  },
  {
    name: 'GET /users as a customer: 403',
    call: { method: 'GET', path: '/users', as: 1 },
    status: 403,
  },
  {
    name: 'GET /users?limit=0 as an admin: 400',
    call: { method: 'GET', path: '/users?limit=0', as: 'admin' },
    status: 400,
  },
  {
    name: 'GET /users/1 as user 1: 200',
    call: { method: 'GET', path: '/users/1', as: 1 },
    status: 200,
  },
  {
    name: "GET /users/2 as user 1: 404, another's account",
    call: { method: 'GET', path: '/users/2', as: 1 },
    status: 404,
  },
  {
    name: 'GET /users/1 without a token: 401 with a challenge',
    call: { method: 'GET', path: '/users/1', as: 'anonymous' },
    status: 401,
    shows: ['challenge'],
  },
  {
    name: 'GET /users/1 with an alg-none token: 401 invalid_token',
    call: { method: 'GET', path: '/users/1', as: 'alg-none' },
    status: 401,
    shows: ['challenge'],
  },
  {
    name: 'GET /users/abc: 400',
    call: { method: 'GET', path: '/users/abc', as: 'admin' },
    status: 400,
  },
  {
    name: 'GET /users/999 as an admin: 404',
    call: { method: 'GET', path: '/users/999', as: 'admin' },
    status: 404,
  },
  {
    name: 'POST /tokens with a wrong password: 401',
    call: {
      method: 'POST',
      path: '/tokens',
      as: 'anonymous',
      body: '{"email":"ada@example.com","password":"not the password"}',
    },
    status: 401,
  },
  {
    name: 'POST /orders by user 1 for themselves: 201 pending with Location',
    call: {
      method: 'POST',
      path: '/orders',
      as: 1,
      body: '{"user_id":1,"item":"book","quantity":2}',
      headers: { 'idempotency-key': 'order-1' },
    },
    status: 201,
    shows: ['location'],
  },
  {
    name: 'POST /orders repeated with its Idempotency-Key: replayed',
    call: {
      method: 'POST',
      path: '/orders',
      as: 1,
      body: '{"user_id":1,"item":"book","quantity":2}',
      headers: { 'idempotency-key': 'order-1' },
    },
    status: 201,
    shows: ['location', 'replayed'],
  },
  {
    name: 'POST /orders by user 1 for user 2: 403',
    call: {
      method: 'POST',
      path: '/orders',
      as: 1,
      body: '{"user_id":2,"item":"book","quantity":1}',
    },
    status: 403,
  },
  {
    name: 'POST /orders by an admin for user 1: 201, checked with user-service',
    call: {
      method: 'POST',
      path: '/orders',
      as: 'admin',
      body: '{"user_id":1,"item":"pen","quantity":1}',
    },
    status: 201,
    shows: ['location'],
  },
  {
    name: 'POST /orders by an admin for an unknown user: 422',
    call: {
      method: 'POST',
      path: '/orders',
      as: 'admin',
      body: '{"user_id":999,"item":"book","quantity":1}',
    },
    status: 422,
  },
  {
    name: 'POST /orders with quantity 0: 400',
    call: {
      method: 'POST',
      path: '/orders',
      as: 1,
      body: '{"user_id":1,"item":"book","quantity":0}',
    },
    status: 400,
  },
  {
    name: 'POST /orders with an expired token: 401',
    call: {
      method: 'POST',
      path: '/orders',
      as: 'expired',
      body: '{"user_id":1,"item":"book","quantity":1}',
    },
    status: 401,
    shows: ['challenge'],
  },
  {
    name: 'GET /orders?user_id=1&status=pending as user 1: 200',
    call: { method: 'GET', path: '/orders?user_id=1&status=pending', as: 1 },
    status: 200,
  },
  {
    name: 'GET /orders?user_id=2 as user 1: 403',
    call: { method: 'GET', path: '/orders?user_id=2', as: 1 },
    status: 403,
  },
  {
    name: 'GET /orders?status=lost: 400',
    call: { method: 'GET', path: '/orders?status=lost', as: 'admin' },
    status: 400,
  },
  {
    name: 'GET /orders/1 as user 1: 200',
    call: { method: 'GET', path: '/orders/1', as: 1 },
    status: 200,
  },
  {
    name: "GET /orders/1 as user 2: 404, another's order",
    call: { method: 'GET', path: '/orders/1', as: 2 },
    status: 404,
  },
  {
    name: 'GET /orders/3 as an admin: 404',
    call: { method: 'GET', path: '/orders/3', as: 'admin' },
    status: 404,
  },
]

/** The credentials a call is made with. */
async function credentials(as: As): Promise<Record<string, string>> {
  if (as === 'anonymous') return {}
  if (as === 'admin') return asAdmin(100)
  if (typeof as === 'number') return asCustomer(as)
  return bearer(await (await testIssuer()).forged(as, 1))
}

async function play(base: (path: string) => string, call: Call): Promise<Answer> {
  const response = await fetch(base(call.path), {
    method: call.method,
    headers: {
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(await credentials(call.as)),
      ...call.headers,
    },
    ...(call.body === undefined ? {} : { body: call.body }),
  })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    location: response.headers.get('location'),
    link: response.headers.get('link'),
    replayed: response.headers.get('idempotent-replayed'),
    challenge: response.headers.get('www-authenticate'),
    body: (await response.text()).replace(TIMESTAMP, '"<timestamp>"'),
  }
}

describe('users and orders through the gateway and direct', () => {
  // Side by side: each app keeps its metrics in a registry of its own.
  const direct = suiteStarted(startRealServices)
  const behind = suiteStarted(startRealServices)
  const gateway = useGateway(() => realUpstreams(behind))

  const toDirect = (path: string) =>
    `${path.startsWith('/orders') ? direct.ordersUrl : direct.usersUrl}${path}`
  const toGateway = (path: string) => `${gateway.url}${path}`

  for (const { name, call, status, shows = [] } of story) {
    it(`answers identically: ${name}`, async () => {
      const viaDirect = await play(toDirect, call)
      const viaGateway = await play(toGateway, call)
      assert.equal(viaDirect.status, status, viaDirect.body)
      for (const header of shows) assert.notEqual(viaDirect[header], null, header)
      if (status >= 400) assert.match(viaDirect.contentType ?? '', /^application\/problem\+json/)
      assert.deepEqual(viaGateway, viaDirect)
    })
  }

  it('signs in, and names its own address as where the keys are', async () => {
    const signedIn = await fetch(`${gateway.url}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"ada@example.com","password":"contract password"}',
    })
    assert.equal(signedIn.status, 200)
    const { access_token: token } = (await signedIn.json()) as { access_token: string }
    const discovery = await fetch(`${gateway.url}/.well-known/openid-configuration`)
    assert.equal(discovery.status, 200)
    const { jwks_uri: jwksUri } = (await discovery.json()) as { jwks_uri: string }
    assert.equal(jwksUri, `${gateway.url}/.well-known/jwks.json`)
    const { keys } = (await (await fetch(jwksUri)).json()) as { keys: { kid: string }[] }
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())
    assert.ok(keys.some((key) => key.kid === header.kid))
  })

  it('returns the request id a client sent, as the service saw it', async () => {
    const response = await fetch(`${gateway.url}/users/1`, {
      headers: { 'x-request-id': 'contract-check-1', ...(await asCustomer(1)) },
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-request-id'), 'contract-check-1')
    await response.body?.cancel()
  })
})
