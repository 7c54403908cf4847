import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Problem, problem, publicRoutes, registerHtmlPages, swaggerOptions } from '@shop/platform'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { mergeOpenApi, type OpenApiDocument } from './openapi-merge.js'
import type { UpstreamDocs } from './upstream-docs.js'

const DESCRIPTION = [
  'Every route of the shop, through the api-gateway: users (user-service), orders ' +
    '(order-service) and the gateway itself. Signing up, signing in, discovery, health and ' +
    'these docs are public; every other route needs a bearer token (`Authorize` above), ' +
    'which the gateway verifies before proxying and forwards to the service.',
  '',
  'Bull Board, the queue dashboard, is not part of this API: it is served by a process of ' +
    'its own (port 5555 by default) behind HTTP Basic auth (`BULL_BOARD_USER` / ' +
    '`BULL_BOARD_PASSWORD`), and has no OpenAPI document.',
].join('\n')

const PROBLEM_SCHEMA = z.toJSONSchema(Problem, { target: 'openapi-3.0' })

function problemAnswer(status: number, description: string, detail: string, extra = {}) {
  return {
    description,
    content: {
      'application/problem+json': {
        schema: PROBLEM_SCHEMA,
        example: problem(status, detail, extra),
      },
    },
  }
}

const RATE_LIMITED = problemAnswer(
  429,
  'Too many requests from this caller (`RATE_LIMIT_MAX`; `RATE_LIMIT_CREDENTIALS_MAX` for `POST /users` and `POST /tokens`); `Retry-After` says when to try again',
  'rate limit of 300 requests exceeded; retry in 1 minute',
)

/** What the gateway itself answers on a proxied operation, whatever the service does. */
function proxyResponses(operation: Record<string, unknown>) {
  const upstream = { upstream: 'user-service' }
  return {
    400: problemAnswer(
      400,
      'The path has a `.` or `..` segment',
      'the path must not contain "." or ".." segments',
    ),
    ...(operation.requestBody
      ? {
          413: problemAnswer(
            413,
            'The request body is larger than the gateway accepts',
            'request body exceeds 1048576 bytes',
          ),
        }
      : {}),
    429: RATE_LIMITED,
    502: problemAnswer(
      502,
      'The service (named in `upstream`) did not answer properly',
      'user-service closed the connection before answering',
      upstream,
    ),
    503: problemAnswer(
      503,
      'No replica of the service (named in `upstream` and `dependency`) is reachable',
      'no replica of user-service is reachable',
      { ...upstream, dependency: upstream.upstream },
    ),
    504: problemAnswer(
      504,
      'The service (named in `upstream`) did not answer in time',
      'user-service did not answer within 10000 ms',
      upstream,
    ),
  }
}

/** Collects the gateway's own routes; register before any route. */
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(
    swagger,
    swaggerOptions({ title: 'Distributed Shop', description: DESCRIPTION }),
  )
}

type Operation = Record<string, unknown> & { responses?: Record<string, unknown> }

/** Swagger UI's routes come after the rate limit: they can answer 429 at the gateway. */
function withRateLimitedDocs(document: OpenApiDocument): OpenApiDocument {
  const paths = { ...document.paths }
  for (const path of ['/docs', '/docs/json']) {
    const item = paths[path] as { get?: Operation } | undefined
    if (!item?.get) continue
    paths[path] = {
      ...item,
      get: { ...item.get, responses: { ...item.get.responses, 429: RATE_LIMITED } },
    }
  }
  return { ...document, paths }
}

/** Swagger UI at `/docs` and, at `/docs/json`, the gateway's document merged with the services'. */
export async function registerDocsRoutes(app: FastifyInstance, upstreamDocs: UpstreamDocs) {
  let cached: { gateway: unknown; version: number; merged: OpenApiDocument } | undefined
  await registerHtmlPages(app, async (pages) => {
    publicRoutes(pages)
    await pages.register(swaggerUi, {
      routePrefix: '/docs',
      // The merge copies what it changes, so the cached gateway document needs no clone.
      transformSpecificationClone: false,
      transformSpecification: (gateway) => {
        if (cached?.gateway !== gateway || cached.version !== upstreamDocs.version) {
          const own = withRateLimitedDocs(gateway as OpenApiDocument)
          const merged = mergeOpenApi(own, upstreamDocs.documents, { proxyResponses })
          cached = { gateway, version: upstreamDocs.version, merged }
        }
        return cached.merged
      },
    })
  })
}
