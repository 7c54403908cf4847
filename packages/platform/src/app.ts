import Fastify, { type FastifyServerOptions } from 'fastify'
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
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
  const app = Fastify({ ...fastifyOptions(name, logLevel), ...fastify })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // A callback rather than an async function: no promise and no extra microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
  await app.register(problemDetails)
  await app.register(metrics)
  return app.withTypeProvider<ZodTypeProvider>()
}

export type ServiceApp = Awaited<ReturnType<typeof createServiceApp>>
