import swagger, { type SwaggerOptions, type SwaggerTransform } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { registerHtmlPages } from './app.js'
import { publicRoutes } from './auth/authentication.js'
import { problemResponse } from './problem.js'

export interface OpenApiTag {
  name: string
  description: string
}

export interface OpenApiOptions {
  title: string
  description: string
  version?: string
  /** The tags of the service's own routes; health and docs are added. */
  tags?: OpenApiTag[]
}

/** Tags of the routes every process has. */
export const SHARED_TAGS: OpenApiTag[] = [
  { name: 'health', description: 'Liveness and readiness probes for orchestrators' },
  { name: 'docs', description: 'This OpenAPI document and its Swagger UI' },
]

/**
 * Routes that hide themselves (Swagger UI's), written out here so every document lists them.
 * `/metrics` is on the metrics listener, not the public port, so no document lists it.
 */
export const SHARED_PATHS = {
  '/docs': {
    get: {
      operationId: 'getApiReference',
      tags: ['docs'],
      summary: 'Swagger UI',
      description: 'An interactive reference of this document, to read and try each route.',
      responses: {
        200: {
          description: 'The Swagger UI page',
          content: {
            'text/html': { schema: { type: 'string' }, example: '<!DOCTYPE html><html>…</html>' },
          },
        },
      },
    },
  },
  '/docs/json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['docs'],
      summary: 'This OpenAPI document',
      description: 'The OpenAPI 3 document of every route served here, as JSON.',
      responses: {
        200: {
          description: 'An OpenAPI 3.0 document',
          content: {
            'application/json': {
              schema: { type: 'object', additionalProperties: true },
              example: { openapi: '3.0.3', info: { title: 'user-service', version: '1.0.0' } },
            },
          },
        },
      },
    },
  },
}

/** The bearer scheme every route that is not public asks for. */
export const BEARER_SCHEME = 'bearerAuth'
export const SECURITY_SCHEMES = {
  [BEARER_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An access token from `POST /tokens` (or the configured OpenID provider), sent as ' +
      '`Authorization: Bearer <token>`.',
  },
} as const

type TransformInput = Parameters<SwaggerTransform>[0]
type RouteSchema = { response?: Record<string, unknown> } & Record<string, unknown>

/**
 * A route's schema as documented: a public route asks for nothing (`security: []`); any other
 * asks for the bearer token and lists what the authentication plugin answers for it.
 */
function withSecurity(input: TransformInput) {
  const schema = (input.schema ?? {}) as RouteSchema
  if (input.route.config?.public === true) return { ...schema, security: [] }
  const response = schema.response ?? {}
  return {
    ...schema,
    security: [{ [BEARER_SCHEME]: [] }],
    response: {
      ...response,
      401: problemResponse(401),
      403: response[403] ?? problemResponse(403),
      503: response[503] ?? problemResponse(503),
    },
  }
}

/**
 * What swagger collects the document with: the routes' zod schemas, the shared routes and
 * tags, served from where the document is (`/`), and the bearer scheme on every operation
 * that is not public.
 */
export function swaggerOptions({
  title,
  description,
  version = '1.0.0',
  tags = [],
}: OpenApiOptions): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title, description, version },
      servers: [{ url: '/' }],
      security: [],
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: [...tags, ...SHARED_TAGS],
    },
    transform: (input) =>
      jsonSchemaTransform({ ...input, schema: withSecurity(input) } as Parameters<
        typeof jsonSchemaTransform
      >[0]),
    transformObject: (document) => {
      // Only the `openapi` option is given, so swagger hands an OpenAPI 3 object here.
      const { openapiObject } = document as Extract<typeof document, { openapiObject: unknown }>
      return { ...openapiObject, paths: { ...openapiObject.paths, ...SHARED_PATHS } }
    },
  }
}

/** Swagger UI at `/docs`, the OpenAPI 3 document at `/docs/json`, both from the zod schemas. */
export const openApi = fp<OpenApiOptions>(
  async (app, options) => {
    await app.register(swagger, swaggerOptions(options))
    await registerHtmlPages(app, async (pages) => {
      publicRoutes(pages)
      await pages.register(swaggerUi, { routePrefix: '/docs' })
    })
  },
  { name: 'openapi' },
)
