import type { SpanProcessor } from '@opentelemetry/sdk-trace'

export interface Tracing {
  /** Ends the SDK, exporting the spans still buffered. */
  shutdown(): Promise<void>
}

export interface TracingOptions {
  /** Where spans go instead of the OTLP exporter the environment picks (tests). */
  spanProcessors?: SpanProcessor[]
}
