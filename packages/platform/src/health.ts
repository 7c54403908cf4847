import fp from 'fastify-plugin'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemResponse, sendProblem } from './problem.js'
import { withTimeout } from './timeout.js'

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

const Healthy = z
  .object({ status: z.literal('ok') })
  .meta({ description: 'The process serves requests', example: { status: 'ok' } })
const Ready = z
  .object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')) })
  .meta({
    description: 'Every dependency answered',
    example: { status: 'ok', checks: { postgres: 'ok' } },
  })
const NotReady = problemResponse(503, {
  description: 'A dependency did not answer in time; `dependency` names the first one',
  detail: 'postgres is not ready: no answer within 2000 ms',
  dependency: 'postgres',
})

/** `GET /healthz` (the process can serve) and `GET /readyz` (its dependencies answer). */
export const health = fp<HealthOptions>(
  async (app, { checks, timeoutMs = 2_000 }) => {
    const routes = app.withTypeProvider<ZodTypeProvider>()
    routes.get(
      '/healthz',
      {
        schema: {
          operationId: 'getLiveness',
          tags: ['health'],
          summary: 'Liveness',
          description:
            'Answers 200 while the process can serve, whatever its dependencies do: an ' +
            'orchestrator restarts the process when this stops answering.',
          response: { 200: Healthy },
        },
        config: { disableMetrics: true, public: true },
        logLevel: PROBE_LOG_LEVEL,
      },
      async () => ({ status: 'ok' as const }),
    )
    routes.get(
      '/readyz',
      {
        schema: {
          operationId: 'getReadiness',
          tags: ['health'],
          summary: 'Readiness: every dependency answers',
          description:
            'Checks every dependency at once, each within a time limit: 200 when all answer, ' +
            'else 503 naming the first that did not. Traffic should go only to ready replicas.',
          response: { 200: Ready, 503: NotReady },
        },
        config: { disableMetrics: true, public: true },
        logLevel: PROBE_LOG_LEVEL,
      },
      async (request, reply) => {
        const results = await Promise.allSettled(
          Object.values(checks).map((check) => withTimeout(check(), timeoutMs)),
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
