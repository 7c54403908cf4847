import { startOtlpReceiver } from './otlp-receiver.js'
import { startTestStack, type TestStack } from './test-stack.js'

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>

/**
 * The native stack from the sources with one worker and no processing delay, every process
 * exporting its spans over OTLP/HTTP (JSON) to a receiver of its own.
 */
export async function startTracedStack(): Promise<{
  receiver: OtlpReceiver
  running: TestStack
  stop: () => Promise<void>
}> {
  const receiver = await startOtlpReceiver()
  try {
    const running = await startTestStack({
      workers: 1,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans leave each process a moment after they end, not 5 s later.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        PROCESSING_DELAY_MS: '0',
      },
    })
    const stop = async () => {
      await running.stop()
      await receiver.stop()
    }
    return { receiver, running, stop }
  } catch (error) {
    await receiver.stop()
    throw error
  }
}
