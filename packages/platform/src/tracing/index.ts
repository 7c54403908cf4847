import { register } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Tracing, TracingOptions } from './options.js'

export type { Tracing, TracingOptions }

/**
 * Tracing is on when an OTLP endpoint is configured, through the standard variables. Nothing
 * else in this module loads OpenTelemetry: with tracing off the process runs as if it had none.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env) {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
}

let started: Tracing | undefined

/** Whether this process traces: libraries with a tracing adapter of their own ask this. */
export const tracingActive = () => started !== undefined

/** How long the spans still buffered at exit may take to leave. */
const SHUTDOWN_MS = 2_000

/**
 * Exports the spans still buffered and stops tracing; nothing to do when it is off. A
 * collector that is away costs at most `SHUTDOWN_MS` of the shutdown, and those spans.
 */
export async function shutdownTracing() {
  const tracing = started
  started = undefined
  if (!tracing) return
  await Promise.race([
    tracing.shutdown().catch(() => {}),
    sleep(SHUTDOWN_MS, undefined, { ref: false }),
  ])
}

/**
 * Starts OpenTelemetry for this process when tracing is on (or span processors are given):
 * the SDK with the Fastify, http, undici, pg, ioredis and pino instrumentations, exporting as
 * the standard `OTEL_*` variables say. Call it before anything imports fastify, pg, ioredis,
 * undici or bullmq, then import the rest of the process dynamically: ES modules are only
 * instrumented when the loader hook is in place before their first import. The service name
 * is `OTEL_SERVICE_NAME` when set, else `serviceName`.
 */
export async function startTracing(
  serviceName: string,
  options: TracingOptions = {},
): Promise<Tracing | undefined> {
  if (!tracingEnabled() && options.spanProcessors === undefined) return undefined
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
  const { startSdk } = await import('./sdk.js')
  started = startSdk(serviceName, options)
  return started
}
