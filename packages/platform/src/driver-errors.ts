// What the database and Redis drivers' errors mean, told from their codes and messages: a
// dependency gone away (answered with a 503 naming it) or a unique index refusing a row.

/** A dependency could not be reached or did not answer in time; names which one. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError'
  constructor(
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options)
  }
}

/** What an unreachable dependency is called when its error carries no address. */
export const UNNAMED_DEPENDENCY = 'a dependency'

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
])

/** What node-postgres and ioredis say when their connection is gone or gave no answer. */
const LOST_CONNECTION: [RegExp, string][] = [
  [
    /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client was closed and is not queryable|Client has encountered a connection error)/,
    'postgres',
  ],
  [/^(Connection is closed|Stream isn't writeable|Reached the max retries per request)/, 'redis'],
]

/**
 * SQLSTATE class 08 (connection exception), 57P0x (server shutting down, connection
 * terminated), 57014 (statement timeout) and 53300 (too many clients): PostgreSQL cannot
 * serve now, but may soon.
 */
function isUnavailableSqlState(code: string) {
  return code.startsWith('08') || code.startsWith('57P') || code === '57014' || code === '53300'
}

/**
 * The name of the dependency that went away or hung mid-request (`postgres`, `redis`, …),
 * or undefined when `error` is something else. Follows `cause`: Drizzle wraps the driver's
 * error in its own. A socket error from a client not known here is named by the address it
 * could not reach (`10.0.0.5:6379`).
 */
export function unavailableDependency(error: unknown): string | undefined {
  let unavailable: string | undefined
  let unreachable: string | undefined
  let fromPostgres = false
  let current = error
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof DependencyUnavailableError) return current.dependency
    const { code, severity } = current as { code?: unknown; severity?: unknown }
    // Drizzle's query errors and the driver's server errors come from PostgreSQL.
    if (current.name === 'DrizzleQueryError' || typeof severity === 'string') fromPostgres = true
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code)) unreachable ??= addressOf(current) ?? UNNAMED_DEPENDENCY
      if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)) unavailable ??= 'postgres'
    }
    for (const [pattern, name] of LOST_CONNECTION) {
      if (pattern.test(current.message)) unavailable ??= name
    }
    current = current.cause
  }
  if (unavailable !== undefined || unreachable === undefined) return unavailable
  return fromPostgres ? 'postgres' : unreachable
}

function addressOf(error: Error): string | undefined {
  const { address, port } = error as { address?: unknown; port?: unknown }
  if (typeof address !== 'string') return undefined
  return typeof port === 'number' ? `${address}:${port}` : address
}

/**
 * A database or Redis that went away mid-request is a temporary condition the client can
 * retry, not a server bug.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  return unavailableDependency(error) !== undefined
}

const UNIQUE_VIOLATION = '23505'

/** A unique index refused the row; Drizzle wraps the driver's error, so `cause` is followed. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true
  }
  return false
}
