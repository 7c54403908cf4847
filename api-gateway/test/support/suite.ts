import { suiteResource } from '@shop/test-kit'
import type { GatewayOptions } from '../../src/app.js'
import { type EchoOptions, type RunningEcho, startEcho } from './echo-upstream.js'
import { type RunningGateway, startGateway } from './gateway.js'
import type { RealServices } from './real-services.js'

/** An echo upstream for the suite, closed after its last test. */
export function useEcho(options: EchoOptions | string): RunningEcho {
  return suiteResource(async (teardown) => {
    const echo = await startEcho(typeof options === 'string' ? { name: options } : options)
    teardown(echo.close)
    return echo
  })
}

/**
 * A gateway for the suite, closed after its last test; `env` is read when the suite starts,
 * so it may name the URLs of upstreams the suite starts before it.
 */
export function useGateway(
  env: () => Record<string, string>,
  options: GatewayOptions | (() => GatewayOptions) = {},
): RunningGateway {
  return suiteResource(async (teardown) => {
    const gateway = await startGateway(env(), typeof options === 'function' ? options() : options)
    teardown(gateway.close)
    return gateway
  })
}

/** The gateway's upstream settings: `users` for /users, `orders` (the same one by default). */
export function upstreams(users: { url: string }, orders: { url: string } = users) {
  return { USER_SERVICE_URL: users.url, ORDER_SERVICE_URL: orders.url }
}

/** The gateway's upstream settings for both real services. */
export function realUpstreams(services: RealServices) {
  return { USER_SERVICE_URL: services.usersUrl, ORDER_SERVICE_URL: services.ordersUrl }
}
