import helmet from '@fastify/helmet'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { clientErrorHandler, frameworkErrors } from './framework-errors.js'
import { flushLogs } from './log-output.js'
import { fastifyOptions, REQUEST_ID_HEADER } from './logger.js'
import { metrics } from './metrics.js'
import { problemDetails } from './problem-details.js'

/**
 * A client that sends its headers or its body slowly (or never) holds a connection and a
 * socket: it gets a 408 and the connection closes after these. Node checks every second
 * rather than its default 30 s, so the bounds hold closely.
 */
export const SERVER_TIMEOUTS = {
  requestTimeout: 30_000,
  http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
}

/**
 * Registers HTML pages for browsers (Swagger UI, Bull Board) in a context of their own with
 * helmet's security headers (a Content-Security-Policy, no framing, no sniffing, …); the JSON
 * API routes stay as they are. Plain HTTP here: no HSTS and no upgrading to https, which a
 * TLS-terminating proxy in front would add.
 */
export async function registerHtmlPages(
  app: FastifyInstance,
  pages: (scope: FastifyInstance) => Promise<void>,
) {
  await app.register(async (scope) => {
    await scope.register(helmet, {
      strictTransportSecurity: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    })
    await pages(scope)
  })
}

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
    ...SERVER_TIMEOUTS,
    frameworkErrors,
    clientErrorHandler,
    ...fastify,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // A callback rather than an async function: no promise and no extra microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
  app.addHook('onClose', () => flushLogs())
  await app.register(problemDetails)
  await app.register(metrics)
  return app.withTypeProvider<ZodTypeProvider>()
}

export type ServiceApp = Awaited<ReturnType<typeof createServiceApp>>
