import { listenOnLoopback } from '@shop/platform/testing'
import { buildGateway, type GatewayOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export interface RunningGateway {
  url: string
  close(): Promise<void>
}

/** The gateway on a free loopback port, configured from `env` like the real process. */
export async function startGateway(
  env: Record<string, string>,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const app = await buildGateway(loadConfig({ LOG_LEVEL: 'silent', ...env }), options)
  const url = await listenOnLoopback(app)
  return { url, close: () => app.close() }
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
