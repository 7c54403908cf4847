import { sendProblem } from '@shop/platform'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

export interface LoginGuardOptions {
  /** Failed logins an address may make in a window before every login from it is refused. */
  maxFailures: number
  windowMs: number
}

/**
 * Limits password guessing per client address: failures are counted, and once an address
 * has made too many, every request from it is refused until its window ends, the right
 * password included, so guessing on stays pointless. In memory: the board runs as one process.
 */
export function loginGuard({ maxFailures, windowMs }: LoginGuardOptions) {
  const failures = new RateLimiterMemory({
    points: maxFailures,
    duration: Math.ceil(windowMs / 1000),
    blockDuration: Math.ceil(windowMs / 1000),
  })

  function refuse(reply: FastifyReply, msBeforeNext: number) {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000))
    reply.header('retry-after', String(seconds))
    return sendProblem(reply, 429, `too many failed logins; retry in ${seconds} s`)
  }

  return {
    /** Answers 429 and returns true when the address is locked out. */
    async lockedOut(request: FastifyRequest, reply: FastifyReply) {
      const state = await failures.get(request.ip)
      if (state === null || state.remainingPoints > 0) return false
      refuse(reply, state.msBeforeNext)
      return true
    },
    /** Counts a failed login; answers 429 instead of 401 once it is one too many. */
    async failed(request: FastifyRequest, reply: FastifyReply) {
      try {
        await failures.consume(request.ip)
        return false
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected
        refuse(reply, rejected.msBeforeNext)
        return true
      }
    },
  }
}

export type LoginGuard = ReturnType<typeof loginGuard>
