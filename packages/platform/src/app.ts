import Fastify, { type FastifyServerOptions } from 'fastify'
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { clientErrorHandler, frameworkErrors } from './framework-errors.js'
import { fastifyOptions, REQUEST_ID_HEADER } from './logger.js'
import { metrics } from './metrics.js'
import { problemDetails } from './problem.js'

export interface ServiceAppOptions {
  name: string
  logLevel: string
  fastify?: FastifyServerOptions
}

/**
 * A Fastify instance with what every service wants before its own routes: zod validation
 * and serialization, problem+json errors, request ids echoed back, and `/metrics`.
 */
export async function createServiceApp({ name, logLevel, fastify = {} }: ServiceAppOptions) {
  const app = Fastify({
    ...fastifyOptions(name, logLevel),
    frameworkErrors,
    clientErrorHandler,
    ...fastify,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
  await app.register(problemDetails)
  await app.register(metrics)
  return app.withTypeProvider<ZodTypeProvider>()
}

export type ServiceApp = Awaited<ReturnType<typeof createServiceApp>>
