import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyServerOptions } from 'fastify'
import { type LoggerOptions, pino } from 'pino'
import { batchedStdout } from './log-output.js'
import { RequestLog } from './request-log.js'

export const REQUEST_ID_HEADER = 'x-request-id'

/** pino JSON everywhere; pretty only when a person is watching the terminal. */
export function loggerOptions(name: string, level: string): LoggerOptions {
  return {
    name,
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    ...(process.stdout.isTTY
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } }
      : {}),
  }
}

export function createLogger(name: string, level: string) {
  return pino(loggerOptions(name, level))
}

const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

/** Keeps a caller's request id when it is safe to log and forward, else mints one. */
export function requestIdFrom(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value
  return candidate && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID()
}

export function fastifyOptions(name: string, level: string): FastifyServerOptions {
  // A person watching a terminal gets the pretty lines at once; a collector gets batches.
  const logger = process.stdout.isTTY
    ? loggerOptions(name, level)
    : { ...loggerOptions(name, level), stream: batchedStdout() }
  return {
    logger,
    logController: new RequestLog(),
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    // Services sit behind the gateway and compose networks; trust the forwarded client address.
    trustProxy: true,
  }
}
