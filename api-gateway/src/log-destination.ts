import { pino } from 'pino'

const BATCH_BYTES = 4096
const FLUSH_MS = 1_000

export interface LogDestination {
  stream: pino.DestinationStream
  /** Writes out whatever is held, and every line after this at once. */
  close(): void
}

/**
 * Standard output written in batches of up to 4 KiB at most a second apart, as nginx writes
 * its access log (`buffer=… flush=…`), instead of one write system call per request: with
 * a log line per proxied request, that call was the largest cost of logging at `info`.
 * Whatever is held is written out on close and when the process exits; lines logged after
 * close are written at once.
 */
export function batchedStdout(): LogDestination {
  const stream = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES })
  const timer = setInterval(() => stream.flush(), FLUSH_MS).unref()
  const flush = () => {
    try {
      stream.flushSync()
    } catch {
      // Not open yet, or already closed: nothing is held.
    }
  }
  process.once('exit', flush)
  return {
    stream,
    close() {
      clearInterval(timer)
      process.off('exit', flush)
      flush()
      // sonic-boom writes as soon as it holds more than this.
      ;(stream as unknown as { minLength: number }).minLength = 0
    },
  }
}
