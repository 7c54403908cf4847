import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void

/** How often to look whether the process idles: long enough for start-up's first requests. */
const CHECK_MS = 10_000
/** Share of the last `CHECK_MS` the event loop may have been busy for the process to idle. */
const IDLE_UTILIZATION = 0.02

/**
 * Hands back the memory that start-up used, once the process first idles after it listens.
 *
 * Loading and building the app leaves V8 a young generation grown under the garbage of
 * start-up and old-space pages half empty, which an idle process keeps for minutes: V8's own
 * memory reducer, which would give them back, still counts the allocation rate of start-up
 * as current and waits. One memory-reducing collection (V8's `last-resort` flavour: it
 * compacts, shrinks the young generation and releases pooled pages) took the idle Node
 * processes of the native stack on Node 24 from 393 to 278 MB PSS (`pnpm bench memory`); a
 * plain full collection moved nothing. It costs one pause of tens of milliseconds, so it waits
 * for a quiet `CHECK_MS` (event loop busy under 2 % of it): a process under load from its
 * start keeps the young generation the load grows anyway.
 *
 * The `gc` function is taken from a context of its own, so no module sees a global `gc`.
 */
export function reduceMemoryOnceIdle() {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as Gc
  setFlagsFromString('--no-expose-gc')
  let since = performance.eventLoopUtilization()
  const check = () => {
    const now = performance.eventLoopUtilization()
    if (performance.eventLoopUtilization(now, since).utilization < IDLE_UTILIZATION) {
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
      return
    }
    since = now
    setTimeout(check, CHECK_MS).unref()
  }
  setTimeout(check, CHECK_MS).unref()
}
