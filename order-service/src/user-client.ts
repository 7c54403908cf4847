import { HttpProblem, REQUEST_ID_HEADER } from '@shop/platform'
import type { FastifyBaseLogger } from 'fastify'

export interface UserClientOptions {
  /** Base URLs of user-service replicas, tried in turn when one cannot be reached. */
  urls: string[]
  timeoutMs: number
}

export interface UserClient {
  /** Throws 422 when the user does not exist, 503 when user-service cannot tell. */
  assertUserExists(
    userId: number,
    context: { requestId: string; log: FastifyBaseLogger },
  ): Promise<void>
  /** Resolves when some replica answers its liveness probe. */
  ping(): Promise<void>
}

const UNAVAILABLE = 'user-service is unavailable'

/** A replica that could not be reached or failed: worth trying the next one. */
class ReplicaFailure extends Error {}

function isTimeout(error: unknown) {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
}

export function createUserClient({ urls, timeoutMs }: UserClientOptions): UserClient {
  let next = 0

  /** GETs `path` from the replicas in turn (starting with a rotating one) within one deadline. */
  async function get(path: string, headers: Record<string, string> = {}) {
    const signal = AbortSignal.timeout(timeoutMs)
    const start = next++ % urls.length
    const failures: string[] = []
    for (let i = 0; i < urls.length; i++) {
      const base = urls[(start + i) % urls.length]
      try {
        const response = await fetch(`${base}${path}`, { headers, signal })
        // The body is never needed: release the connection at once.
        await response.body?.cancel()
        if (response.status >= 500) throw new ReplicaFailure(`${base} answered ${response.status}`)
        return response.status
      } catch (error) {
        if (isTimeout(error)) {
          failures.push(`no answer within ${timeoutMs} ms`)
          break
        }
        const cause = (error as Error & { cause?: { code?: string } }).cause?.code
        failures.push(
          error instanceof ReplicaFailure ? error.message : `${base}: ${cause ?? error}`,
        )
      }
    }
    throw new ReplicaFailure(failures.join('; '))
  }

  return {
    async assertUserExists(userId, { requestId, log }) {
      let status: number
      try {
        status = await get(`/users/${userId}`, { [REQUEST_ID_HEADER]: requestId })
      } catch (error) {
        log.warn({ reason: (error as Error).message }, UNAVAILABLE)
        throw new HttpProblem(503, UNAVAILABLE, { dependency: 'user-service' })
      }
      if (status === 404) throw new HttpProblem(422, `user ${userId} does not exist`)
      if (status !== 200) {
        log.warn({ status }, 'unexpected answer from user-service')
        throw new HttpProblem(503, UNAVAILABLE, { dependency: 'user-service' })
      }
    },

    async ping() {
      const status = await get('/healthz')
      if (status !== 200) throw new Error(`answered ${status}`)
    },
  }
}
