import type { FastifyBaseLogger } from 'fastify'

export interface Periodic {
  /** Resolves once no run is in progress and none will start. */
  stop(): Promise<void>
}

export interface PeriodicOptions {
  intervalMs: number
  log: FastifyBaseLogger
  /** Names the task in the warning logged when a run fails (`outbox sweep`). */
  name: string
}

/**
 * Runs `task` every `intervalMs` (measured from the end of the previous run, so runs never
 * overlap) until stopped. A run that fails is logged and the next tick tries again; the timer
 * does not keep the process alive.
 */
export function runPeriodically(
  task: () => Promise<void>,
  { intervalMs, log, name }: PeriodicOptions,
): Periodic {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const run = async () => {
    try {
      await task()
    } catch (error) {
      log.warn({ err: error }, `${name} failed; retrying on the next tick`)
    }
  }
  const schedule = () => {
    timer = setTimeout(() => {
      running = run().finally(() => {
        if (!stopped) schedule()
      })
    }, intervalMs)
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
