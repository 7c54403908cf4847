import type { tracing } from '@opentelemetry/sdk-node'

export interface Tracing {
  /** Ends the SDK, exporting the spans still buffered. */
  shutdown(): Promise<void>
}

export interface TracingOptions {
  /** Where spans go instead of the OTLP exporter the environment picks (tests). */
  spanProcessors?: tracing.SpanProcessor[]
}
