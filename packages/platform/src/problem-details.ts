import type { FastifyError, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
} from 'fastify-type-provider-zod'
import { UNNAMED_DEPENDENCY, unavailableDependency } from './driver-errors.js'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problem, sendProblem } from './problem.js'

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

/** The 503 answered while `dependency` cannot serve; clients may retry shortly. */
export function sendDependencyUnavailable(reply: FastifyReply, dependency: string) {
  reply.header('retry-after', '1')
  const named = dependency === UNNAMED_DEPENDENCY ? {} : { dependency }
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
