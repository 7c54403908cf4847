import createClient, { type ClientOptions } from 'openapi-fetch'
import type { operations, paths } from './schema.js'

export type { Middleware } from 'openapi-fetch'
export type { operations, paths } from './schema.js'

export type User = operations['getUser']['responses'][200]['content']['application/json']
export type Order = operations['getOrder']['responses'][200]['content']['application/json']
/** Every error answer: RFC 9457 problem details, with `errors` for field problems. */
export type Problem =
  operations['getOrder']['responses'][404]['content']['application/problem+json']

/**
 * A client of the shop's API at `baseUrl` (the gateway, or a service for its own routes):
 * `client.GET('/users/{id}', { params: { path: { id: '1' } } })` answers `{ data, error,
 * response }`, `data` typed by the route's success answer and `error` by its problems.
 */
export function createShopClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}) {
  return createClient<paths>({ ...options, baseUrl })
}

export type ShopClient = ReturnType<typeof createShopClient>
