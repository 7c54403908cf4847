import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
} from 'fastify-type-provider-zod'
import { z } from 'zod'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

export const FieldProblem = z.object({
  in: z.string(),
  field: z.string(),
  message: z.string(),
})

/** RFC 9457 problem details, as every error of every service is answered. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(FieldProblem).optional(),
})
export type Problem = z.infer<typeof Problem>

export function problem(status: number, detail?: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extra,
  } satisfies Problem
}

/** An error a handler throws to answer with a specific problem. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail)
  }
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail?: string,
  extra?: Record<string, unknown>,
) {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(status, detail, extra))
}

/** What each status means wherever it is answered, with a typical detail for the example. */
const PROBLEM_DOCS: Record<
  number,
  { description: string; detail: string; extra?: Record<string, unknown> }
> = {
  400: {
    description: 'The request is invalid: `errors` names each field and why',
    detail: 'invalid body: email: Invalid email address',
  },
  404: { description: 'No such resource', detail: 'the resource with id 42 does not exist' },
  409: {
    description:
      'Conflicts with the current state, or a request with this Idempotency-Key is still in progress',
    detail: 'a request with this Idempotency-Key is still in progress',
  },
  413: { description: 'The request body is too large', detail: 'Request body is too large' },
  415: {
    description: 'The body is not `application/json`',
    detail: 'Unsupported Media Type: text/plain',
  },
  422: {
    description: 'The Idempotency-Key was already used with another body',
    detail: 'this Idempotency-Key was already used with a different request body',
  },
  429: {
    description: 'Too many requests from this client; `Retry-After` says when to try again',
    detail: 'rate limit of 100 requests exceeded; retry in 1 minute',
  },
  502: {
    description: 'The service behind the gateway did not answer properly',
    detail: 'user-service closed the connection before answering',
  },
  503: {
    description: 'A dependency, named in `dependency`, is unavailable; try again (`Retry-After`)',
    detail: 'postgres is unavailable; try again shortly.',
    extra: { dependency: 'postgres' },
  },
  504: {
    description: 'The service behind the gateway did not answer in time',
    detail: 'user-service did not answer within 10000 ms',
  },
}

/**
 * The response documented for one status: problem+json, as `sendProblem` answers it, with
 * a description and an example of its own. `description` and `detail` override the generic
 * ones where a route knows better what it answers.
 */
export function problemResponse(
  status: number,
  {
    description,
    detail,
    ...extra
  }: { description?: string; detail?: string } & Record<string, unknown> = {},
) {
  const docs = PROBLEM_DOCS[status]
  return {
    description: description ?? docs?.description ?? STATUS_CODES[status] ?? 'Error',
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: Problem.meta({
          example: problem(status, detail ?? docs?.detail, { ...docs?.extra, ...extra }),
        }),
      },
    },
  }
}

/** Response schemas for the error statuses a route can answer, for validation and docs. */
export function problemResponses<const Codes extends readonly number[]>(...codes: Codes) {
  return Object.fromEntries(codes.map((code) => [code, problemResponse(code)])) as {
    [Code in Codes[number]]: ReturnType<typeof problemResponse>
  }
}

function validationProblem(error: FastifyError & { validation: unknown[] }) {
  const where = error.validationContext ?? 'request'
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((issue) => ({
      in: where,
      field: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: issue.message ?? 'is invalid',
    }))
    const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
    return problem(400, `invalid ${where}: ${summary.join('; ')}`, { errors })
  }
  return problem(400, error.message)
}

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

const UNNAMED = 'a dependency'

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
      if (UNREACHABLE_CODES.has(code)) unreachable ??= addressOf(current) ?? UNNAMED
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

/** The 503 answered while `dependency` cannot serve; clients may retry shortly. */
export function sendDependencyUnavailable(reply: FastifyReply, dependency: string) {
  reply.header('retry-after', '1')
  const named = dependency === UNNAMED ? {} : { dependency }
  return sendProblem(reply, 503, `${dependency} is unavailable; try again shortly.`, named)
}

/**
 * The one error and not-found handler of every service: problem+json for everything,
 * 4xx explained, 5xx logged with the request's context and masked.
 */
export const problemDetails = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) {
        return sendProblem(reply, error.status, error.message, error.extra)
      }
      if (Array.isArray(error.validation)) {
        const body = validationProblem(error as FastifyError & { validation: unknown[] })
        return reply.code(400).type(PROBLEM_CONTENT_TYPE).send(body)
      }
      const status = error.statusCode ?? 500
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // Fastify asks to close the connection with the body unread; a client still sending it
        // then gets a reset instead of this answer. Kept open, Node reads the rest and drops
        // it (bounded by the server's requestTimeout) and the client reads the 413.
        reply.removeHeader('connection')
      }
      if (status >= 400 && status < 500 && !isResponseSerializationError(error)) {
        request.log.info({ err: error }, 'request rejected')
        return sendProblem(reply, status, error.message)
      }
      const dependency = unavailableDependency(error)
      if (dependency !== undefined) {
        request.log.error({ err: error, dependency }, 'a dependency is unavailable')
        return sendDependencyUnavailable(reply, dependency)
      }
      request.log.error({ err: error }, 'request failed')
      const answered = status >= 500 && status !== 500 ? status : 500
      return sendProblem(reply, answered, 'The server could not complete the request.')
    })
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, 404, `No route for ${request.method} ${request.url.split('?')[0]}`),
    )
  },
  { name: 'problem-details' },
)
