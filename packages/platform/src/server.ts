import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { ConfigError } from './config.js'
import { isDependencyUnavailable } from './driver-errors.js'
import { reduceMemoryOnceIdle } from './start-up-memory.js'
import { shutdownTracing } from './tracing/index.js'

export interface ListenOptions {
  host: string
  port: number
  /** Where `app.metricsServer` listens: a port of its own, never the public one. */
  metrics?: { host: string; port: number }
  /** How long in-flight work may take to finish after SIGTERM. */
  graceMs?: number
}

/** Prints one line for a problem a person must fix, without a stack trace, and exits. */
export function exitWithMessage(name: string, error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${name}: ${error.message}\n`)
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const { port } = error as NodeJS.ErrnoException & { port?: number }
    process.stderr.write(
      `${name}: port ${port ?? ''} is in use: stop what uses it or set PORT / METRICS_PORT\n`,
    )
  } else if (isDependencyUnavailable(error)) {
    const { address, port, code } = error as NodeJS.ErrnoException & {
      address?: string
      port?: number
    }
    const where = address ? ` ${address}${port ? `:${port}` : ''}` : ''
    process.stderr.write(
      `${name}: cannot reach a dependency${where} (${code ?? (error as Error).message}): start it or fix DATABASE_URL / REDIS_URL\n`,
    )
  } else {
    process.stderr.write(`${name}: failed to start: ${(error as Error)?.stack ?? String(error)}\n`)
  }
  process.exit(1)
}

/** Closes `close` on SIGINT/SIGTERM (or an uncaught error), once, within `graceMs`. */
export function closeOnSignals(
  log: FastifyInstance['log'],
  close: () => Promise<unknown>,
  graceMs = 10_000,
) {
  closeWithGrace({ delay: graceMs }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an uncaught error')
    else log.info({ signal }, 'closing')
    await close()
  })
}

/**
 * Started by a supervisor with an IPC channel (the native stack): when the supervisor dies,
 * even killed outright, the channel closes and this process closes as on SIGTERM, so
 * nothing of a dead stack keeps its port.
 */
function closeWhenSupervisorGone() {
  // Started without a channel: no supervisor to outlive.
  if (process.send === undefined) return
  const close = () => process.kill(process.pid, 'SIGTERM')
  // The supervisor may have died while this process was still starting.
  if (!process.connected) return close()
  process.channel?.unref()
  process.once('disconnect', close)
}

/**
 * The only place a service listens: starts the app, then its metrics listener, and closes
 * both gracefully on signals (the app's close closes the metrics listener).
 */
export async function listen(
  app: FastifyInstance,
  { host, port, metrics, graceMs }: ListenOptions,
) {
  closeOnSignals(
    app.log,
    async () => {
      await app.close()
      await shutdownTracing()
    },
    graceMs,
  )
  closeWhenSupervisorGone()
  await app.listen({ host, port })
  if (metrics) await app.metricsServer.listen(metrics)
  reduceMemoryOnceIdle()
}
