import { FastifyOtelInstrumentation } from '@fastify/otel'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino'
import {
  UndiciInstrumentation,
  type UndiciInstrumentationConfig,
} from '@opentelemetry/instrumentation-undici'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { Tracing, TracingOptions } from './options.js'

/**
 * Probes, scrapes and the API documents (which the gateway fetches from every service, again
 * and again): answered many times a minute, no trace is worth their noise.
 */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics'])
function untraced(url: string | undefined) {
  const path = (url ?? '').split('?')[0] ?? ''
  return UNTRACED_PATHS.has(path) || path === '/docs' || path.startsWith('/docs/')
}

type UndiciRequest = Parameters<NonNullable<UndiciInstrumentationConfig['requestHook']>>[1]
const TRACE_HEADERS = /^(traceparent|tracestate|baggage)$/i

/**
 * A request the gateway proxies carries its caller's trace headers; the instrumentation adds
 * this process's own after this hook, and a header sent twice would break the trace. The
 * caller's context lives on already: this process's span is its child.
 */
function dropForwardedTraceHeaders(_span: unknown, request: UndiciRequest) {
  const { headers } = request
  if (typeof headers === 'string') {
    request.headers = headers
      .split('\r\n')
      .filter((line) => !TRACE_HEADERS.test(line.slice(0, line.indexOf(':'))))
      .join('\r\n')
    return
  }
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (TRACE_HEADERS.test(String(headers[i]))) headers.splice(i, 2)
  }
}

/** Loaded only when tracing is on (see `startTracing`). */
export function startSdk(serviceName: string, { spanProcessors }: TracingOptions): Tracing {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || serviceName,
    ...(spanProcessors ? { spanProcessors } : {}),
    // Traces only unless asked: metrics are Prometheus's, logs go to stdout (with trace ids).
    ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untraced(request.url),
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: ({ url }) => untraced(url),
      }),
      // Calls outside any request or job (BullMQ's polling, the gateway refreshing upstream
      // documents, pool upkeep) make no traces.
      new UndiciInstrumentation({
        requestHook: dropForwardedTraceHeaders,
        requireParentforSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  })
  sdk.start()
  return { shutdown: () => sdk.shutdown() }
}
