import { once } from 'node:events'
import rateLimit from '@fastify/rate-limit'
import { HttpProblem } from '@shop/platform'
import type { FastifyInstance } from 'fastify'

export interface RateLimitOptions {
  /** Requests per client and window; 0 turns the limit off. */
  max: number
  windowMs: number
  /** Shared counts across gateway replicas; in-memory counts without it. */
  redisUrl: string | undefined
  nameSpace?: string
}

const REDIS_WAIT_MS = 2_000

/** Routes registered after this count against the limit; the ones before (health) do not. */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions) {
  const { max, windowMs, redisUrl, nameSpace = 'shop-gateway-rate-limit:' } = options
  if (max === 0) return
  // Loaded only here: a gateway without a shared rate limit never loads ioredis.
  const redis =
    redisUrl === undefined
      ? undefined
      : (await import('@shop/platform/redis')).createFailFastRedis(redisUrl)
  if (redis) {
    let available = true
    redis.on('error', (err) => {
      if (available) app.log.warn({ err }, 'rate-limit store unreachable; requests are not limited')
      available = false
    })
    redis.on('ready', () => {
      if (!available) app.log.info('rate-limit store reachable again')
      available = true
    })
    app.addHook('onClose', async () => redis.disconnect())
    // Counting starts with the first request, so give the connection a moment, not forever.
    const timeout = AbortSignal.timeout(REDIS_WAIT_MS)
    await once(redis, 'ready', { signal: timeout }).catch(() => {})
  }
  await app.register(rateLimit, {
    max,
    timeWindow: windowMs,
    ...(redis ? { redis, nameSpace } : {}),
    // A broken store must not turn every request into an error: fail open.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
      ),
  })
}
