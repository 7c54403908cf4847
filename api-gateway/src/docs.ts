import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { registerHtmlPages } from '@shop/platform'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { mergeOpenApi, type OpenApiDocument } from './openapi-merge.js'
import type { UpstreamDocs } from './upstream-docs.js'

/**
 * `/metrics` comes with the service app, before swagger starts collecting routes, so its
 * path item is written here.
 */
const METRICS_PATH = {
  get: {
    tags: ['metrics'],
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
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
    transform: jsonSchemaTransform,
  })
}

/** Swagger UI at `/docs` and, at `/docs/json`, the gateway's document merged with the services'. */
export async function registerDocsRoutes(app: FastifyInstance, upstreamDocs: UpstreamDocs) {
  let cached: { gateway: unknown; version: number; merged: OpenApiDocument } | undefined
  await registerHtmlPages(app, async (pages) => {
    await pages.register(swaggerUi, {
      routePrefix: '/docs',
      // The merge copies what it changes, so the cached gateway document needs no clone.
      transformSpecificationClone: false,
      transformSpecification: (gateway) => {
        if (cached?.gateway !== gateway || cached.version !== upstreamDocs.version) {
          const own = gateway as OpenApiDocument
          const withMetrics = { ...own, paths: { ...own.paths, '/metrics': METRICS_PATH } }
          const merged = mergeOpenApi(withMetrics, upstreamDocs.documents)
          cached = { gateway, version: upstreamDocs.version, merged }
        }
        return cached.merged
      },
    })
  })
}
