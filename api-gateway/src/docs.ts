import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { mergeOpenApi, type OpenApiDocument } from './openapi-merge.js'
import type { UpstreamDocs } from './upstream-docs.js'

type TransformInput = Parameters<typeof jsonSchemaTransform>[0]

/** The gateway's routes from their zod schemas; `/metrics` has none, so it gets a tag here. */
function transform(input: TransformInput) {
  const result = jsonSchemaTransform(input)
  if (input.url !== '/metrics') return result
  return {
    ...result,
    schema: { ...result.schema, tags: ['metrics'], summary: 'Prometheus metrics (text format)' },
  }
}

/** Collects the gateway's own routes; register before any route. */
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Distributed Shop',
        description:
          'Every route of the shop, through the api-gateway: users (user-service), orders (order-service) and the gateway itself.',
        version: '1.0.0',
      },
    },
    transform,
  })
}

/** Swagger UI at `/docs` and, at `/docs/json`, the gateway's document merged with the services'. */
export async function registerDocsRoutes(app: FastifyInstance, upstreamDocs: UpstreamDocs) {
  let cached: { gateway: unknown; version: number; merged: OpenApiDocument } | undefined
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The merge copies what it changes, so the cached gateway document needs no clone.
    transformSpecificationClone: false,
    transformSpecification: (gateway) => {
      if (cached?.gateway !== gateway || cached.version !== upstreamDocs.version) {
        const merged = mergeOpenApi(gateway as OpenApiDocument, upstreamDocs.documents)
        cached = { gateway, version: upstreamDocs.version, merged }
      }
      return cached.merged
    },
  })
}
