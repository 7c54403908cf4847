import { tracingActive } from '@shop/platform/tracing'
import type { Telemetry } from 'bullmq'

/**
 * BullMQ's OpenTelemetry adapter while this process traces, so a job's spans join the trace
 * that queued it; with tracing off, nothing of OpenTelemetry is loaded.
 */
export async function queueTelemetry(): Promise<Telemetry | undefined> {
  if (!tracingActive()) return undefined
  const { BullMQOtel } = await import('bullmq-otel')
  return new BullMQOtel({ tracerName: 'order-service' })
}
