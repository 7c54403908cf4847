import { HttpProblem, type Lookup, REQUEST_ID_HEADER, ReplicaBalancer } from '@shop/platform'
import type { FastifyBaseLogger } from 'fastify'
import { errors, Pool } from 'undici'

export interface UserClientOptions {
  /**
   * Base URLs of user-service replicas, tried in turn when one cannot be reached; a host name
   * stands for every address it resolves to, re-resolved every `refreshMs`.
   */
  urls: string[]
  refreshMs: number
  timeoutMs: number
  log: FastifyBaseLogger
  lookup?: Lookup
}

export interface UserClient {
  /**
   * Asks with `token` (an admin's: only an admin may read another user); throws 422 when the
   * user does not exist, 503 when user-service cannot tell.
   */
  assertUserExists(
    userId: number,
    context: { requestId: string; log: FastifyBaseLogger; token: string },
  ): Promise<void>
  /** Resolves when some replica answers its liveness probe. */
  ping(): Promise<void>
  /** Resolves user-service's host names, then again every `refreshMs` until `close()`. */
  start(): Promise<void>
  close(): Promise<void>
}

const UNAVAILABLE = 'user-service is unavailable'
/** Connections kept open to each replica: enough for the intake's concurrency. */
const CONNECTIONS_PER_REPLICA = 16

/** A replica that could not be reached or failed: worth trying the next one. */
class ReplicaFailure extends Error {}

const isTimeout = (error: unknown) =>
  error instanceof errors.HeadersTimeoutError ||
  error instanceof errors.BodyTimeoutError ||
  error instanceof errors.ConnectTimeoutError

/**
 * Asks user-service over kept-alive connections (one undici Pool per replica address, built
 * when the address is first seen); the pool's own timeouts bound each call, so no timer or
 * AbortSignal is made per request.
 */
export function createUserClient({
  urls,
  refreshMs,
  timeoutMs,
  log,
  lookup,
}: UserClientOptions): UserClient {
  const replicas = new ReplicaBalancer({ name: 'user-service', urls, refreshMs, lookup, log })
  const pools = new Map<string, Pool>()
  const poolFor = (origin: string) => {
    let pool = pools.get(origin)
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: CONNECTIONS_PER_REPLICA,
        connectTimeout: timeoutMs,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      pools.set(origin, pool)
    }
    return pool
  }

  /** GETs `path` from the replicas in turn, starting with the balancer's next; a timeout ends it. */
  async function get(path: string, headers: Record<string, string> = {}) {
    const failures: string[] = []
    let tried: Set<string> | undefined
    let target = replicas.pick()
    while (target !== undefined) {
      try {
        const { statusCode, body } = await poolFor(target).request({ path, method: 'GET', headers })
        // The body is never needed: release the connection at once.
        await body.dump()
        if (statusCode >= 500) throw new ReplicaFailure(`${target} answered ${statusCode}`)
        return statusCode
      } catch (error) {
        if (isTimeout(error)) {
          failures.push(`no answer within ${timeoutMs} ms`)
          break
        }
        const code = (error as { code?: string }).code
        if (code === 'ECONNREFUSED') replicas.markDown(target)
        failures.push(
          error instanceof ReplicaFailure ? error.message : `${target}: ${code ?? error}`,
        )
      }
      tried ??= new Set()
      tried.add(target)
      target = replicas.pick(tried)
    }
    if (failures.length === 0) failures.push('no replica address is known')
    throw new ReplicaFailure(failures.join('; '))
  }

  return {
    async assertUserExists(userId, { requestId, log, token }) {
      let status: number
      try {
        status = await get(`/users/${userId}`, {
          [REQUEST_ID_HEADER]: requestId,
          authorization: `Bearer ${token}`,
        })
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

    start: () => replicas.start(),

    async close() {
      replicas.close()
      await Promise.all([...pools.values()].map((pool) => pool.close()))
    },
  }
}
