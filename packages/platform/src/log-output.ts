import { pino } from 'pino'

const BATCH_BYTES = 4096
const FLUSH_MS = 1_000

let batched: ReturnType<typeof pino.destination> | undefined

/** Writes out whatever the batched output holds; a no-op when nothing was batched. */
export function flushLogs() {
  try {
    batched?.flushSync()
  } catch {
    // Not open yet, or already closed: nothing is held.
  }
}

/**
 * Standard output written in batches of up to 4 KiB at most a second apart, as nginx writes
 * its access log (`buffer=… flush=…`), instead of one write system call per line: with a
 * line per request and per job, that call was the largest cost of logging at `info`. One
 * per process, however many apps it builds, so lines never interleave; whatever is held is
 * written out when the process exits, and when an app closes (`flushLogs`).
 */
export function batchedStdout(): pino.DestinationStream {
  if (batched === undefined) {
    const stream = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES })
    setInterval(() => stream.flush(), FLUSH_MS).unref()
    process.once('exit', flushLogs)
    batched = stream
  }
  return batched
}
