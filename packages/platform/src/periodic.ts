export interface Periodic {
  /** Resolves once no run is in progress and none will start. */
  stop(): Promise<void>
}

/**
 * Runs `task` every `intervalMs` (measured from the end of the previous run, so runs never
 * overlap) until stopped. The timer does not keep the process alive; `task` handles its own
 * errors.
 */
export function runPeriodically(task: () => Promise<void>, intervalMs: number): Periodic {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const schedule = () => {
    timer = setTimeout(() => {
      running = task().finally(() => {
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
