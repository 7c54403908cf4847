import { request as httpRequest } from 'node:http'
import { asCustomer, listenMetricsOnLoopback, listenOnLoopback, testAuthEnv } from '@shop/test-kit'
import { buildGateway, type GatewayOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export interface RunningGateway {
  url: string
  /** The metrics listener's base URL: `/metrics` is served there, not at `url`. */
  metricsUrl: string
  close(): Promise<void>
}

/**
 * Limits raised far above what any test sends from its one address; rate-limit.test.ts
 * sets its own, or '' for the defaults.
 */
const RAISED_LIMITS = { RATE_LIMIT_MAX: '1000000', RATE_LIMIT_CREDENTIALS_MAX: '1000000' }

/**
 * The gateway on a free loopback port, configured from `env` like the real process, trusting
 * the test issuer's tokens.
 */
export async function startGateway(
  env: Record<string, string>,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ...RAISED_LIMITS,
    ...(await testAuthEnv()),
    ...env,
  })
  const app = await buildGateway(config, options)
  const url = await listenOnLoopback(app)
  const metricsUrl = await listenMetricsOnLoopback(app)
  return { url, metricsUrl, close: () => app.close() }
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}

/** Asserts nothing: gives the answer's parts a test compares. */
export async function problemOf(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: (await response.json()) as { status: number; title: string; detail?: string } & Record<
      string,
      unknown
    >,
  }
}

/**
 * Sends `path` exactly as written. fetch and `http.request(url)` parse the URL first,
 * which resolves dot segments (`/users/%2e%2e/orders` leaves as `/orders`).
 */
export async function requestRawPath(base: string, path: string, method = 'GET') {
  const { hostname, port } = new URL(base)
  const headers = await asCustomer(1)
  return new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
    httpRequest({ host: hostname, port, path, method, headers }, async (response) => {
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      resolve({
        status: response.statusCode ?? 0,
        contentType: response.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString(),
      })
    })
      .on('error', reject)
      .end()
  })
}

type UseGateway<T> = (gateway: RunningGateway) => Promise<T>

/** Runs `use` against a gateway started for it alone (with `options`), closed whatever happens. */
export async function withGateway<T>(
  env: Record<string, string>,
  ...args: [use: UseGateway<T>] | [options: GatewayOptions, use: UseGateway<T>]
): Promise<T> {
  const [options, use] = args.length === 1 ? [{}, args[0]] : args
  const gateway = await startGateway(env, options)
  try {
    return await use(gateway)
  } finally {
    await gateway.close()
  }
}

/**
 * `fetch` carrying customer 1's token from the test issuer, which the gateway (and the real
 * services) trust: what the proxy tests send through the gateway's verification.
 */
export async function signedFetch(url: string, init: RequestInit = {}) {
  const headers = { ...(await asCustomer(1)), ...(init.headers as Record<string, string>) }
  return fetch(url, { ...init, headers })
}
