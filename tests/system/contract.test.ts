/**
 * The published documents as a contract: every operation of the gateway's merged document and
 * of each service's own, asked on purpose for each answer it lists that a client can provoke
 * (the success, and 400, 401, 403, 404, 409, 413, 415, 422), through the gateway and straight
 * to the service, with real tokens from user-service: a customer's, another customer's, the
 * admin's, and none. The typed client checks each answer against the document of the process it
 * reaches (support/conformance.ts), so an answer the document does not list for the
 * operation, or whose content type, body or headers it does not allow, fails here.
 * 503 answers are provoked in user-service-down.test.ts, and what the gateway itself answers
 * (429, 502, 503, 504) in gateway-contract.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { MAX_ID } from '@shop/platform'
import { type SignedUp, suiteSetup, uniqueName } from '@shop/test-kit'
import { checkedExchanges } from './support/conformance.js'
import { call, placeOrder, shopClient, signInAdmin, signUpCustomer } from './support/http.js'
import { startTestStack, type TestStack } from './support/test-stack.js'

/** More than the 1 MiB every process accepts. */
const TOO_LARGE = 'x'.repeat(1_100_000)

interface Reached {
  document: 'api-gateway' | 'user-service' | 'order-service'
  base: string
  /** The customer's: their own user and orders. */
  client: ShopClient
  /** Another customer's, whose user and orders are not the customer's. */
  other: ShopClient
  admin: ShopClient
  anonymous: ShopClient
}

/** One request on purpose, and the status its document lists for it. */
interface Case {
  operation: string
  status: number
  what: string
  send(reached: Reached): Promise<{ response: { status: number } }>
}

let running: TestStack
let customer: SignedUp
let otherCustomer: SignedUp
let adminToken: string
let userId: number
let orderId: number

const PASSWORD = 'contract password'
const newUser = () => ({
  email: `${uniqueName('contract')}@example.com`,
  full_name: 'Con Tract',
  password: PASSWORD,
})
const idOf = (id: number | string) => ({ params: { path: { id: String(id) } } })

const USER_CASES: Case[] = [
  {
    operation: 'createUser',
    status: 201,
    what: 'a new user, without a token',
    send: ({ anonymous }) => anonymous.POST('/users', { body: newUser() }),
  },
  {
    operation: 'createUser',
    status: 400,
    what: 'an invalid email',
    send: ({ anonymous }) => anonymous.POST('/users', { body: { ...newUser(), email: 'nope' } }),
  },
  {
    operation: 'createUser',
    status: 400,
    what: 'a password under 12 characters',
    send: ({ anonymous }) =>
      anonymous.POST('/users', { body: { ...newUser(), password: 'short' } }),
  },
  {
    operation: 'createUser',
    status: 409,
    what: 'an email taken, in other case',
    send: async ({ anonymous }) => {
      const user = newUser()
      await anonymous.POST('/users', { body: user })
      return anonymous.POST('/users', { body: { ...user, email: user.email.toUpperCase() } })
    },
  },
  {
    operation: 'createUser',
    status: 413,
    what: 'a body over 1 MiB',
    send: ({ anonymous }) =>
      anonymous.POST('/users', { body: { ...newUser(), full_name: TOO_LARGE } }),
  },
  {
    operation: 'createUser',
    status: 415,
    what: 'an XML body',
    send: ({ base }) => untyped(base, '/users', newUser(), { 'content-type': 'application/xml' }),
  },
  {
    operation: 'createUser',
    status: 422,
    what: 'an Idempotency-Key reused with another body',
    send: async ({ anonymous }) => {
      // Keys are scoped to the email: the same email with another name.
      const header = { 'idempotency-key': uniqueName('user-key') }
      const user = newUser()
      await anonymous.POST('/users', { body: user, params: { header } })
      return anonymous.POST('/users', { body: { ...user, full_name: 'Other' }, params: { header } })
    },
  },
  {
    operation: 'createToken',
    status: 200,
    what: 'the right email and password',
    send: ({ anonymous }) =>
      anonymous.POST('/tokens', { body: { email: customer.email, password: customer.password } }),
  },
  {
    operation: 'createToken',
    status: 400,
    what: 'no password',
    send: ({ base }) => untyped(base, '/tokens', { email: customer.email }, {}),
  },
  {
    operation: 'createToken',
    status: 401,
    what: 'a wrong password',
    send: ({ anonymous }) =>
      anonymous.POST('/tokens', { body: { email: customer.email, password: 'not the password' } }),
  },
  {
    operation: 'createToken',
    status: 413,
    what: 'a body over 1 MiB',
    send: ({ anonymous }) =>
      anonymous.POST('/tokens', { body: { email: customer.email, password: TOO_LARGE } }),
  },
  {
    operation: 'createToken',
    status: 415,
    what: 'an XML body',
    send: ({ base }) =>
      untyped(base, '/tokens', { email: customer.email }, { 'content-type': 'application/xml' }),
  },
  {
    operation: 'getOpenIdConfiguration',
    status: 200,
    what: 'the discovery document, without a token',
    send: ({ anonymous }) => anonymous.GET('/.well-known/openid-configuration'),
  },
  {
    operation: 'getJsonWebKeySet',
    status: 200,
    what: 'the public keys, without a token',
    send: ({ anonymous }) => anonymous.GET('/.well-known/jwks.json'),
  },
  {
    operation: 'getCurrentUser',
    status: 200,
    what: "the caller's own user",
    send: ({ client }) => client.GET('/users/me'),
  },
  {
    operation: 'getCurrentUser',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) => anonymous.GET('/users/me'),
  },
  {
    operation: 'listUsers',
    status: 200,
    what: 'a page, to the admin',
    send: ({ admin }) => admin.GET('/users'),
  },
  {
    operation: 'listUsers',
    status: 400,
    what: 'limit=0',
    send: ({ admin }) => admin.GET('/users', { params: { query: { limit: '0' } } }),
  },
  {
    operation: 'listUsers',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) => anonymous.GET('/users'),
  },
  {
    operation: 'listUsers',
    status: 403,
    what: "a customer's token",
    send: ({ client }) => client.GET('/users'),
  },
  {
    operation: 'getUser',
    status: 200,
    what: 'a user',
    send: ({ client }) => client.GET('/users/{id}', idOf(userId)),
  },
  {
    operation: 'getUser',
    status: 400,
    what: 'a non-numeric id',
    send: ({ client }) => client.GET('/users/{id}', idOf('abc')),
  },
  {
    operation: 'getUser',
    status: 404,
    what: 'no such user',
    send: ({ client }) => client.GET('/users/{id}', idOf(MAX_ID)),
  },
  {
    operation: 'getUser',
    status: 404,
    what: "another customer's user",
    send: ({ other }) => other.GET('/users/{id}', idOf(userId)),
  },
  {
    operation: 'getUser',
    status: 200,
    what: "a customer's user, to the admin",
    send: ({ admin }) => admin.GET('/users/{id}', idOf(userId)),
  },
  {
    operation: 'getUser',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) => anonymous.GET('/users/{id}', idOf(userId)),
  },
]

const ORDER_CASES: Case[] = [
  {
    operation: 'placeOrder',
    status: 201,
    what: 'an order',
    send: ({ client }) =>
      client.POST('/orders', { body: { user_id: userId, item: 'contract', quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 400,
    what: 'quantity 0',
    send: ({ client }) =>
      client.POST('/orders', { body: { user_id: userId, item: 'contract', quantity: 0 } }),
  },
  {
    operation: 'placeOrder',
    status: 413,
    what: 'a body over 1 MiB',
    send: ({ client }) =>
      client.POST('/orders', { body: { user_id: userId, item: TOO_LARGE, quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 415,
    what: 'an XML body',
    send: ({ base }) =>
      untyped(
        base,
        '/orders',
        { user_id: userId, item: 'contract', quantity: 1 },
        {
          'content-type': 'application/xml',
        },
      ),
  },
  {
    operation: 'placeOrder',
    status: 422,
    what: 'an admin ordering for an unknown user',
    send: ({ admin }) =>
      admin.POST('/orders', { body: { user_id: MAX_ID, item: 'ghost', quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 201,
    what: 'an admin ordering for a customer',
    send: ({ admin }) =>
      admin.POST('/orders', { body: { user_id: userId, item: 'for you', quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 403,
    what: 'a customer ordering for another',
    send: ({ other }) =>
      other.POST('/orders', { body: { user_id: userId, item: 'not mine', quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) =>
      anonymous.POST('/orders', { body: { user_id: userId, item: 'anyone', quantity: 1 } }),
  },
  {
    operation: 'placeOrder',
    status: 422,
    what: 'an Idempotency-Key reused with another body',
    send: async ({ client }) => {
      const header = { 'idempotency-key': uniqueName('order-key') }
      const body = { user_id: userId, item: 'contract', quantity: 1 }
      await client.POST('/orders', { body, params: { header } })
      return client.POST('/orders', { body: { ...body, quantity: 2 }, params: { header } })
    },
  },
  {
    operation: 'listOrders',
    status: 200,
    what: "a user's orders",
    send: ({ client }) => client.GET('/orders', { params: { query: { user_id: String(userId) } } }),
  },
  {
    operation: 'listOrders',
    status: 400,
    what: 'an after_id out of range',
    send: ({ client }) => client.GET('/orders', { params: { query: { after_id: '99999999999' } } }),
  },
  {
    operation: 'listOrders',
    status: 403,
    what: "another customer's user_id",
    send: ({ other }) => other.GET('/orders', { params: { query: { user_id: String(userId) } } }),
  },
  {
    operation: 'listOrders',
    status: 200,
    what: 'every order, to the admin',
    send: ({ admin }) => admin.GET('/orders'),
  },
  {
    operation: 'listOrders',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) => anonymous.GET('/orders'),
  },
  {
    operation: 'getOrder',
    status: 200,
    what: 'an order',
    send: ({ client }) => client.GET('/orders/{id}', idOf(orderId)),
  },
  {
    operation: 'getOrder',
    status: 400,
    what: 'an id out of range',
    send: ({ client }) => client.GET('/orders/{id}', idOf('99999999999')),
  },
  {
    operation: 'getOrder',
    status: 404,
    what: 'no such order',
    send: ({ client }) => client.GET('/orders/{id}', idOf(MAX_ID)),
  },
  {
    operation: 'getOrder',
    status: 404,
    what: "another customer's order",
    send: ({ other }) => other.GET('/orders/{id}', idOf(orderId)),
  },
  {
    operation: 'getOrder',
    status: 401,
    what: 'no token',
    send: ({ anonymous }) => anonymous.GET('/orders/{id}', idOf(orderId)),
  },
]

const OWN_CASES: Case[] = [
  {
    operation: 'getLiveness',
    status: 200,
    what: 'alive',
    send: ({ client }) => client.GET('/healthz'),
  },
  {
    operation: 'getReadiness',
    status: 200,
    what: 'ready',
    send: ({ client }) => client.GET('/readyz'),
  },
  {
    operation: 'getApiReference',
    status: 200,
    what: 'Swagger UI',
    send: ({ client }) => client.GET('/docs', { parseAs: 'text' }),
  },
  {
    operation: 'getOpenApiDocument',
    status: 200,
    what: 'the document',
    send: ({ client }) => client.GET('/docs/json'),
  },
]

/**
 * What the typed client will not send: a body under a content type its route does not take,
 * or one its route refuses; with the customer's token.
 */
async function untyped(base: string, path: string, body: unknown, headers: Record<string, string>) {
  const { status } = await call(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: customer.authorization, ...headers },
  })
  return { response: { status } }
}

suiteSetup(async (teardown) => {
  running = await startTestStack({ workers: 1 })
  teardown(() => running.stop())
  const { gateway } = running.stack.urls
  const signedUp = await signUpCustomer(gateway)
  customer = signedUp
  otherCustomer = await signUpCustomer(gateway)
  adminToken = (await signInAdmin(gateway, running.admin)).token
  userId = customer.id
  orderId = (await placeOrder(signedUp.client, userId)).id
})

function reach(document: Reached['document']): Reached {
  const { urls } = running.stack
  const base = {
    'api-gateway': urls.gateway,
    'user-service': urls.userService,
    'order-service': urls.orderService,
  }[document]
  return {
    document,
    base,
    client: shopClient(base, customer.token),
    other: shopClient(base, otherCustomer.token),
    admin: shopClient(base, adminToken),
    anonymous: shopClient(base),
  }
}

const SUITES: [Reached['document'], Case[]][] = [
  ['api-gateway', [...USER_CASES, ...ORDER_CASES, ...OWN_CASES]],
  ['user-service', [...USER_CASES, ...OWN_CASES]],
  ['order-service', [...ORDER_CASES, ...OWN_CASES]],
]

for (const [document, cases] of SUITES) {
  describe(`${document}'s document`, () => {
    for (const { operation, status, what, send } of cases) {
      it(`lists ${status} for ${operation} (${what}), and the answer matches it`, async () => {
        const { response } = await send(reach(document))
        assert.equal(response.status, status)
      })
    }

    if (document === 'api-gateway') {
      it('lists 400 for a path with a dot segment, answered by the gateway itself', async () => {
        const { error, response } = await reach(document).client.GET('/users/{id}', idOf('1/..'))
        assert.equal(response.status, 400, JSON.stringify(error))
      })
    }

    it('had every one of its operations checked', () => {
      const operations = Object.values(running.documents[document].paths ?? {}).flatMap((item) =>
        Object.values(item as Record<string, { operationId?: string }>).map((o) => o.operationId),
      )
      const checked = new Set(
        checkedExchanges()
          .filter((exchange) => exchange.document === document)
          .map((exchange) => exchange.operation),
      )
      assert.deepEqual(
        operations.filter((operation) => !checked.has(operation ?? '')),
        [],
      )
    })
  })
}
