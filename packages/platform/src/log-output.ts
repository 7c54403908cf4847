import { pino } from 'pino'

const BATCH_BYTES = 4096
const FLUSH_MS = 1_000

let batched: ReturnType<typeof pino.destination> | undefined

/**
 * Writes out whatever the batched output holds; resolves at once when nothing was batched.
 * Asynchronous on purpose: a reader that has gone (the native stack killed outright) fails
 * the write with EPIPE on pino's error path, which stops the output for good, instead of
 * blocking the main thread on a write that can never succeed.
 */
export function flushLogs(): Promise<void> {
  const stream = batched
  if (stream === undefined) return Promise.resolve()
  // Failed or not: whatever could be written has been.
  return new Promise((resolve) => stream.flush(() => resolve()))
}

/**
 * Standard output written in batches of up to 4 KiB at most a second apart, as nginx writes
 * its access log (`buffer=… flush=…`), instead of one write system call per line: with a
 * line per request and per job, that call was the largest cost of logging at `info`. One
 * per process, however many apps it builds, so lines never interleave; whatever is held is
 * written out when an app closes (`flushLogs`) and, by pino, when the process exits.
 */
export function batchedStdout(): pino.DestinationStream {
  if (batched === undefined) {
    const stream = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES })
    setInterval(() => stream.flush(), FLUSH_MS).unref()
    batched = stream
  }
  return batched
}
