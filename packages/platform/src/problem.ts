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

/** Response schemas for the error statuses a route can answer, for validation and docs. */
export function problemResponses<const Codes extends readonly number[]>(...codes: Codes) {
  return Object.fromEntries(codes.map((code) => [code, Problem])) as {
    [Code in Codes[number]]: typeof Problem
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

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
])

/**
 * A database or Redis that went away mid-request is a temporary condition the client can
 * retry, not a server bug: node-postgres and ioredis surface it as socket errors, SQLSTATE
 * class 08 (connection exception), 57P0x (server shutting down) or 53300 (too many clients).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const { code, message, cause } = (error ?? {}) as {
    code?: unknown
    message?: unknown
    cause?: unknown
  }
  if (typeof code === 'string') {
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')) return true
    if (code === '53300') return true
  }
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Connection is closed|not queryable/.test(
      message,
    )
  ) {
    return true
  }
  // Drizzle wraps the driver's error in its own (DrizzleQueryError): the code is on the cause.
  return cause instanceof Error && cause !== error && isDependencyUnavailable(cause)
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
      if (status >= 400 && status < 500 && !isResponseSerializationError(error)) {
        request.log.info({ err: error }, 'request rejected')
        return sendProblem(reply, status, error.message)
      }
      if (isDependencyUnavailable(error)) {
        request.log.error({ err: error }, 'a dependency is unavailable')
        reply.header('retry-after', '1')
        return sendProblem(reply, 503, 'A dependency of this service is unavailable; try again.')
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
