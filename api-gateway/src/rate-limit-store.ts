import { once } from 'node:events'
import { Gauge } from '@prometheus-io/client'
import type { createFailFastRedis } from '@shop/platform/redis'
import type { FastifyInstance } from 'fastify'

export interface RateLimitStore {
  redis: ReturnType<typeof createFailFastRedis>
  /** False from the first failure until it answers a ping again. */
  answers(): boolean
}

/**
 * A count normally takes well under a millisecond, but a busy gateway reads the answer late:
 * at 250 ms, a loaded machine's event-loop stalls turned the limit off. Long enough for
 * those, short enough that a paused Redis holds a request for a second at most.
 */
const COMMAND_TIMEOUT_MS = 1_000
const CONNECT_WAIT_MS = 2_000
const WATCH_INTERVAL_MS = 1_000

/**
 * The Redis that gateway replicas share their counts through, and whether it answers now.
 * It is pinged every second: while it does not answer, the limiter leaves it alone (requests
 * go on unlimited, not delayed), one warning says so and `gateway_rate_limit_store_up` is 0.
 */
export async function connectRateLimitStore(
  app: FastifyInstance,
  url: string,
): Promise<RateLimitStore> {
  // Loaded only here: a gateway without a shared rate limit never loads ioredis.
  const { createFailFastRedis } = await import('@shop/platform/redis')
  const redis = createFailFastRedis(url, { commandTimeout: COMMAND_TIMEOUT_MS })
  const gauge = new Gauge({
    name: 'gateway_rate_limit_store_up',
    help: "1 while the rate limit's Redis answers; 0 while requests go on unlimited",
    registers: [app.metricsRegistry],
  })
  let up = true
  const mark = (answers: boolean, err?: unknown) => {
    gauge.set(answers ? 1 : 0)
    if (answers === up) return
    up = answers
    if (answers) app.log.info('rate-limit store answers again: requests are limited')
    else app.log.warn({ err }, 'rate-limit store does not answer: requests are not limited')
  }
  redis.on('error', (err) => mark(false, err))
  const watch = setInterval(() => {
    redis.ping().then(
      () => mark(true),
      (err) => mark(false, err),
    )
  }, WATCH_INTERVAL_MS)
  watch.unref()
  app.addHook('onClose', async () => {
    clearInterval(watch)
    redis.disconnect()
  })
  // Counting starts with the first request, so give the connection a moment, not forever.
  await once(redis, 'ready', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) }).then(
    () => mark(true),
    () => mark(false),
  )
  return { redis, answers: () => up }
}
