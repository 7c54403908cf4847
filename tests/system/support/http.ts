import { createShopClient, type Order, type ShopClient } from '@shop/client'
import { eventually, type SignedUp, signIn, signUp, uniqueName } from '@shop/test-kit'
import { assertConforms, conformanceCheck } from './conformance.js'

export type { Order, Problem, User } from '@shop/client'

/**
 * The typed client at `baseUrl` (the gateway, or a service for its own routes), sending
 * `token` when given, and checking every answer against the document published for it.
 */
export function shopClient(baseUrl: string, token?: string): ShopClient {
  const client = createShopClient(baseUrl, token === undefined ? {} : { token })
  client.use(conformanceCheck)
  return client
}

export interface Customer extends SignedUp {
  /** The typed client at the same address, sending the customer's token. */
  client: ShopClient
}

/** A new customer, signed up and in at `baseUrl` over HTTP, with a client of their own. */
export async function signUpCustomer(baseUrl: string): Promise<Customer> {
  const name = uniqueName('shopper')
  const customer = await signUp(baseUrl, {
    email: `${name}@example.com`,
    fullName: `Shopper ${name}`,
  })
  return { ...customer, client: shopClient(baseUrl, customer.token) }
}

export interface Answer<T = unknown> {
  status: number
  headers: Headers
  body: T
}

/**
 * One HTTP call with a JSON body (if any), for what the typed client will not send (a body
 * of the wrong type, malformed JSON) or reads untyped; the answer's body parsed when it is
 * JSON, and checked against the published document like the client's.
 */
export async function call<T = unknown>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const method = init.method ?? 'GET'
  const response = await fetch(url, {
    method,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })
  const text = await response.text()
  assertConforms({ method, url, status: response.status, headers: response.headers, body: text })
  const json = /json/.test(response.headers.get('content-type') ?? '')
  return {
    status: response.status,
    headers: response.headers,
    body: (json ? JSON.parse(text) : text) as T,
  }
}

/** The bootstrap admin signed in at `baseUrl`, with a typed client sending its token. */
export async function signInAdmin(baseUrl: string, admin: { email: string; password: string }) {
  const { token, authorization } = await signIn(baseUrl, admin.email, admin.password)
  return { token, authorization, client: shopClient(baseUrl, token) }
}

export async function placeOrder(client: ShopClient, userId: number, item = 'book') {
  const { data, response } = await client.POST('/orders', {
    body: { user_id: userId, item, quantity: 1 },
  })
  if (!data) throw new Error(`POST /orders answered ${response.status}`)
  return data
}

/** Places `count` orders at once, as many clients would. */
export function placeOrders(client: ShopClient, userId: number, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) => placeOrder(client, userId, `item ${i + 1}`)),
  )
}

/** Every order of one user (up to 1000), in id order. */
export async function ordersOf(client: ShopClient, userId: number): Promise<Order[]> {
  const { data, response } = await client.GET('/orders', {
    params: { query: { user_id: String(userId), limit: '1000' } },
  })
  if (!data) throw new Error(`GET /orders answered ${response.status}`)
  return data
}

/** The user's orders once none of them is pending or processing any more. */
export function settledOrdersOf(client: ShopClient, userId: number, timeoutMs = 120_000) {
  return eventually(
    async () => {
      const orders = await ordersOf(client, userId)
      const open = orders.some((o) => o.status === 'pending' || o.status === 'processing')
      return open ? undefined : orders
    },
    { timeoutMs, intervalMs: 200, what: `every order of user ${userId} processed or failed` },
  )
}
