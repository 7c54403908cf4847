import swagger, { type SwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { registerHtmlPages } from './app.js'

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

/**
 * What swagger collects the document with: the routes' zod schemas, the shared routes and
 * tags, served from where the document is (`/`), and no authentication (`security: []`):
 * no route of the API asks for credentials.
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
      tags: [...tags, ...SHARED_TAGS],
    },
    transform: jsonSchemaTransform,
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
      await pages.register(swaggerUi, { routePrefix: '/docs' })
    })
  },
  { name: 'openapi' },
)
