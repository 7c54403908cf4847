import fp from 'fastify-plugin'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Problem, sendProblem } from './problem.js'

/** A readiness check: resolves when the dependency answers, rejects (or hangs) when not. */
export type ReadinessCheck = () => Promise<unknown>

export interface HealthOptions {
  /** Checked in order; the first that fails is named in the 503. */
  checks: Record<string, ReadinessCheck>
  timeoutMs?: number
}

// Orchestrators probe every few seconds: logging or counting each probe would drown the
// real traffic. A failing readiness check still logs its warning.
const PROBE_LOG_LEVEL = 'warn'

const Healthy = z.object({ status: z.literal('ok') })
const Ready = z.object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')) })

function withTimeout(check: ReadinessCheck, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer))
}

/** `GET /healthz` (the process can serve) and `GET /readyz` (its dependencies answer). */
export const health = fp<HealthOptions>(
  async (app, { checks, timeoutMs = 2_000 }) => {
    const routes = app.withTypeProvider<ZodTypeProvider>()
    routes.get(
      '/healthz',
      {
        schema: { tags: ['health'], summary: 'Liveness', response: { 200: Healthy } },
        config: { disableMetrics: true },
        logLevel: PROBE_LOG_LEVEL,
      },
      async () => ({ status: 'ok' as const }),
    )
    routes.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          summary: 'Readiness: every dependency answers',
          response: { 200: Ready, 503: Problem },
        },
        config: { disableMetrics: true },
        logLevel: PROBE_LOG_LEVEL,
      },
      async (request, reply) => {
        const results = await Promise.allSettled(
          Object.values(checks).map((check) => withTimeout(check, timeoutMs)),
        )
        const names = Object.keys(checks)
        const failed = results.findIndex((result) => result.status === 'rejected')
        if (failed !== -1) {
          const reason = (results[failed] as PromiseRejectedResult).reason
          const message = reason instanceof Error ? reason.message : String(reason)
          request.log.warn({ dependency: names[failed], reason: message }, 'not ready')
          return sendProblem(reply, 503, `${names[failed]} is not ready: ${message}`, {
            dependency: names[failed],
          })
        }
        return {
          status: 'ok' as const,
          checks: Object.fromEntries(names.map((n) => [n, 'ok' as const])),
        }
      },
    )
  },
  { name: 'health' },
)
