import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'

/** Listens on a free loopback port and returns the base URL, e.g. `http://127.0.0.1:41234`. */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return `http://127.0.0.1:${address.port}`
}

/** Starts the app's metrics listener on a free loopback port: its base URL. */
export const listenMetricsOnLoopback = (app: { metricsServer: FastifyInstance }) =>
  listenOnLoopback(app.metricsServer)

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${last}` : ''}`)
}

export interface Answer<Body = Record<string, unknown>> {
  status: number
  type: string
  body: Body
}

/** Far beyond every timeout of the services: a request still unanswered by then hangs. */
export const ANSWER_DEADLINE_MS = 30_000

/** `fetch` with its JSON body, failing once `deadlineMs` pass without an answer. */
export async function fetchAnswer<Body = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
  deadlineMs = ANSWER_DEADLINE_MS,
): Promise<Answer<Body>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(deadlineMs) })
  const body = (await res.json()) as Body
  return { status: res.status, type: res.headers.get('content-type') ?? '', body }
}

/** The answer is a problem+json 503 naming `dependency`. */
export function assertUnavailable(answer: Answer<{ dependency?: unknown }>, dependency: string) {
  assert.equal(answer.status, 503, JSON.stringify(answer.body))
  assert.match(answer.type, /^application\/problem\+json/)
  assert.equal(answer.body.dependency, dependency)
}

/** Waits until `base`'s `/readyz` answers 200: every dependency back. */
export function untilReady(base: string, what = '/readyz 200') {
  return eventually(
    async () => ((await fetchAnswer(`${base}/readyz`)).status === 200 ? true : undefined),
    { timeoutMs: ANSWER_DEADLINE_MS, what },
  )
}
