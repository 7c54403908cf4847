import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { registerHtmlPages } from './app.js'

export interface OpenApiOptions {
  title: string
  description: string
  version?: string
}

/** Swagger UI at `/docs`, the OpenAPI 3 document at `/docs/json`, both from the zod schemas. */
export const openApi = fp<OpenApiOptions>(
  async (app, { title, description, version = '1.0.0' }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title, description, version },
      },
      transform: jsonSchemaTransform,
    })
    await registerHtmlPages(app, async (pages) => {
      await pages.register(swaggerUi, { routePrefix: '/docs' })
    })
  },
  { name: 'openapi' },
)
