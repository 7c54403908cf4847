import createClient, { type ClientOptions } from 'openapi-fetch'
import type { operations, paths } from './schema.js'

export type { Middleware } from 'openapi-fetch'
export type { operations, paths } from './schema.js'

export type User = operations['getUser']['responses'][200]['content']['application/json']
export type Order = operations['getOrder']['responses'][200]['content']['application/json']
/** Every error answer: RFC 9457 problem details, with `errors` for field problems. */
export type Problem =
  operations['getOrder']['responses'][404]['content']['application/problem+json']

export interface ShopClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** An access token from `POST /tokens`, sent with every request as `Bearer <token>`. */
  token?: string
}

/**
 * A client of the shop's API at `baseUrl` (the gateway, or a service for its own routes):
 * `client.GET('/users/{id}', { params: { path: { id: '1' } } })` answers `{ data, error,
 * response }`, `data` typed by the route's success answer and `error` by its problems.
 * Every route but signing up, signing in, discovery, health and docs needs `token`.
 */
export function createShopClient(baseUrl: string, { token, ...options }: ShopClientOptions = {}) {
  const client = createClient<paths>({ ...options, baseUrl })
  if (token !== undefined) {
    const authorization = `Bearer ${token}`
    client.use({
      onRequest({ request }) {
        request.headers.set('authorization', authorization)
        return request
      },
    })
  }
  return client
}

export type ShopClient = ReturnType<typeof createShopClient>
