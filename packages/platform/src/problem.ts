// The problem+json format (RFC 9457) every error is answered in, and its OpenAPI documentation.
import { STATUS_CODES } from 'node:http'
import type { FastifyReply } from 'fastify'
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
  401: {
    description:
      'No valid bearer token: missing, malformed, forged, expired, or from another issuer or audience (`WWW-Authenticate` says which)',
    detail: 'the bearer token has expired',
  },
  403: {
    description:
      "The token is valid but does not allow this: another customer's user id, or a role the caller lacks",
    detail: 'only an admin may list users',
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
