import type { FastifyInstance } from 'fastify'

/** What a serving process hands back to be listened on; nothing, for a one-shot task. */
export interface Listening {
  app: FastifyInstance
  host: string
  port: number
  /** The metrics listener's address (`metricsAddress(config)`). */
  metrics: { host: string; port: number }
}

/**
 * Every process's entry point. `start` imports the process's own modules dynamically, loads
 * its config and builds its app: so whatever must run before the first import of fastify,
 * pg, ioredis, undici or bullmq runs in `beforeStart` below. This module imports nothing
 * heavy at load (types only), and the rest of the platform only once `start` has run.
 *
 * Any failure prints one line for a person to act on (exitWithMessage) and exits 1; an app
 * returned is listened on and closed gracefully on SIGINT/SIGTERM.
 */
export async function runProcess(
  name: string,
  start: () => Promise<Listening | undefined>,
): Promise<void> {
  try {
    await beforeStart(name)
    const listening = await start()
    if (!listening) return
    const { listen } = await import('./server.js')
    await listen(listening.app, listening)
  } catch (error) {
    const { exitWithMessage } = await import('./server.js')
    exitWithMessage(name, error)
  }
}

/**
 * Runs before any of the process's modules is imported: tracing starts here (when an OTLP
 * endpoint is set), so the instrumentations' loader hook sees fastify, pg and the rest load.
 */
async function beforeStart(name: string): Promise<void> {
  const { startTracing } = await import('./tracing/index.js')
  await startTracing(name)
}
