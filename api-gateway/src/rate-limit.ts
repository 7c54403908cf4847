import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import { HttpProblem } from '@shop/platform'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { pathOf } from './public-requests.js'
import { connectRateLimitStore } from './rate-limit-store.js'

export interface RateLimitOptions {
  /** Requests per caller and window. */
  max: number
  /** Requests per caller and window to each of `POST /users` and `POST /tokens`. */
  credentialsMax: number
  windowMs: number
  /** Shared counts across gateway replicas; in-memory counts without it. */
  redisUrl: string | undefined
  nameSpace?: string
}

/** Sign-up and sign-in take a password: a stricter limit slows guessing and mass sign-ups. */
const CREDENTIAL_PATHS = new Set(['/users', '/tokens'])

/** `/users` or `/tokens` when the request is a POST to one (query, trailing slash aside). */
function credentialPath(request: FastifyRequest) {
  if (request.method !== 'POST') return undefined
  const path = pathOf(request.url)
  return CREDENTIAL_PATHS.has(path) ? path : undefined
}

/**
 * The verified caller when authentication has named one (an `onRequest` hook registered
 * before this plugin's), else the client address (`TRUST_PROXY_HOPS` decides which).
 */
function callerKey(request: FastifyRequest) {
  const { caller } = request as { caller?: { issuer: string; subject: string } }
  return caller ? `${caller.issuer} ${caller.subject}` : normalizeIP(request.ip)
}

/** Routes registered after this count against the limit; the ones before (health) do not. */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions) {
  const { max, credentialsMax, windowMs, redisUrl } = options
  const store = redisUrl === undefined ? undefined : await connectRateLimitStore(app, redisUrl)
  await app.register(rateLimit, {
    timeWindow: windowMs,
    // One count per caller, and one more per credential route, each with its own limit.
    keyGenerator: (request) => {
      const path = credentialPath(request)
      // Sign-up and sign-in are anonymous: counted by address, whatever token comes along.
      return path === undefined ? callerKey(request) : `${normalizeIP(request.ip)} POST ${path}`
    },
    max: (request) => (credentialPath(request) === undefined ? max : credentialsMax),
    ...(store
      ? {
          redis: store.redis,
          nameSpace: options.nameSpace ?? 'shop-gateway-rate-limit:',
          // Fails open (RELIABILITY.md): uncounted while the store does not answer, and a
          // count that fails on the way (a timeout) lets its request through, never a 500.
          allowList: () => !store.answers(),
          skipOnError: true,
        }
      : {}),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
      ),
  })
}
