import { eventually, uniqueName } from '@shop/platform/testing'

export interface Answer<T = unknown> {
  status: number
  headers: Headers
  body: T
}

/** One HTTP call with a JSON body (if any); the answer's body parsed when it is JSON. */
export async function call<T = unknown>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })
  const text = await response.text()
  const json = /json/.test(response.headers.get('content-type') ?? '')
  return {
    status: response.status,
    headers: response.headers,
    body: (json ? JSON.parse(text) : text) as T,
  }
}

export interface User {
  id: number
  email: string
  full_name: string
  created_at: string
}

export interface Order {
  id: number
  user_id: number
  item: string
  quantity: number
  status: 'pending' | 'processing' | 'processed' | 'failed'
  failure_reason: string | null
  attempts: number
  created_at: string
  updated_at: string
  processed_at: string | null
}

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: { in?: string; field?: string; message: string }[]
}

export async function createUser(gateway: string): Promise<User> {
  const name = uniqueName('shopper')
  const answer = await call<User>(`${gateway}/users`, {
    method: 'POST',
    body: { email: `${name}@example.com`, full_name: `Shopper ${name}` },
  })
  if (answer.status !== 201) throw new Error(`POST /users answered ${answer.status}`)
  return answer.body
}

export async function placeOrder(gateway: string, userId: number, item = 'book'): Promise<Order> {
  const answer = await call<Order>(`${gateway}/orders`, {
    method: 'POST',
    body: { user_id: userId, item, quantity: 1 },
  })
  if (answer.status !== 201) throw new Error(`POST /orders answered ${answer.status}`)
  return answer.body
}

/** Places `count` orders at once, as many clients would. */
export function placeOrders(gateway: string, userId: number, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) => placeOrder(gateway, userId, `item ${i + 1}`)),
  )
}

/** Every order of one user (up to 1000), in id order. */
export async function ordersOf(gateway: string, userId: number): Promise<Order[]> {
  const answer = await call<Order[]>(`${gateway}/orders?user_id=${userId}&limit=1000`)
  if (answer.status !== 200) throw new Error(`GET /orders answered ${answer.status}`)
  return answer.body
}

/** The user's orders once none of them is pending or processing any more. */
export function settledOrdersOf(gateway: string, userId: number, timeoutMs = 120_000) {
  return eventually(
    async () => {
      const orders = await ordersOf(gateway, userId)
      const open = orders.some((o) => o.status === 'pending' || o.status === 'processing')
      return open ? undefined : orders
    },
    { timeoutMs, intervalMs: 200, what: `every order of user ${userId} processed or failed` },
  )
}
