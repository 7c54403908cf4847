import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import { HttpProblem, REQUEST_ID_HEADER, sendProblem } from '@shop/platform'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { hasDotSegment } from './dot-segments.js'
import { ForwardedBody } from './request-body.js'
import { classifyFailure } from './upstream-errors.js'
import { observeUpstream, type UpstreamHistogram } from './upstream-metrics.js'
import type { UpstreamPool } from './upstream-pool.js'

export interface ProxyRouteOptions {
  /** Proxied with the path kept: `/users/7` is requested upstream as `/users/7`. */
  path: string
  pool: UpstreamPool
  timeoutMs: number
  bodyLimit: number
  histogram: UpstreamHistogram
}

/** PUT and DELETE too: repeating them leaves the upstream as one call would. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const MAX_ATTEMPTS = 3
const CONNECT_TIMEOUT_MS = 3_000
/** What `getUpstream` answers while no address is known; never dialled. */
const NO_REPLICA = 'http://no-replica.invalid'

type ReplyOptions = NonNullable<FastifyHttpProxyOptions['replyOptions']>

interface Exchange {
  dest: string
  options: ReplyOptions
  tried: Set<string>
  /** The client's body stream, when the request has one. */
  source: Readable | undefined
  body: ForwardedBody | undefined
}

type Forwarded = Pick<FastifyRequest, 'id' | 'ip' | 'body'> & { headers: IncomingHttpHeaders }

function forwardedHeaders(request: Forwarded, headers: IncomingHttpHeaders) {
  headers[REQUEST_ID_HEADER] = request.id
  // The client's Host, as services build absolute links from it.
  if (request.headers.host) headers.host = request.headers.host
  const prior = request.headers['x-forwarded-for']
  headers['x-forwarded-for'] = prior ? `${prior}, ${request.ip}` : request.ip
  if (request.body === undefined) {
    // GET and HEAD bodies are never read, so they must not be announced upstream.
    delete headers['content-length']
    delete headers['transfer-encoding']
  }
  return headers
}

/**
 * Forwards every method under `path` to the upstream's replicas, streaming bodies both
 * ways untouched. Failures become problem+json here instead of the proxy's bare 500s.
 */
export const proxyRoutes: FastifyPluginAsync<ProxyRouteOptions> = async (app, options) => {
  const { path, pool, timeoutMs, bodyLimit, histogram } = options
  app.addHook('onResponse', observeUpstream(histogram, pool.name))

  function tooLarge(request: FastifyRequest, reply: FastifyReply) {
    // Closing with the body unread would reset the connection under a client still sending
    // it, before it reads this answer: read the rest and drop it instead (the server's
    // requestTimeout bounds how long that may take).
    request.raw.resume()
    return sendProblem(reply, 413, `request body exceeds ${bodyLimit} bytes`)
  }

  function attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    exchange: Exchange,
    target: string,
  ) {
    exchange.tried.add(target)
    if (exchange.source) {
      exchange.body = new ForwardedBody(exchange.source, bodyLimit)
      request.body = exchange.body
    }
    reply.from(exchange.dest, {
      ...exchange.options,
      getUpstream: () => target,
      onError: (_reply, { error }) => failed(request, reply, exchange, target, error),
    })
  }

  function failed(
    request: FastifyRequest,
    reply: FastifyReply,
    exchange: Exchange,
    target: string,
    error: Error,
  ) {
    const { kind, code } = classifyFailure(error)
    if (kind === 'not-connected') pool.markDown(target)
    const bodyIntact = !exchange.body?.started
    const retryable =
      bodyIntact &&
      (kind === 'not-connected' || (kind === 'connection-lost' && IDEMPOTENT.has(request.method)))
    const next = retryable && exchange.tried.size < MAX_ATTEMPTS && pool.pick(exchange.tried)
    if (next) {
      request.log.info(
        { upstream: pool.name, failed: target, code, next },
        'retrying on another replica',
      )
      return attempt(request, reply, exchange, next)
    }
    const extra = { upstream: pool.name }
    switch (kind) {
      case 'body-too-large':
        return tooLarge(request, reply)
      case 'timeout':
        return sendProblem(reply, 504, `${pool.name} did not answer within ${timeoutMs} ms`, extra)
      case 'not-connected':
        return sendProblem(reply, 503, `no replica of ${pool.name} is reachable`, extra)
      case 'connection-lost':
        return sendProblem(reply, 502, `${pool.name} closed the connection before answering`, extra)
      default:
        request.log.error({ err: error, upstream: pool.name }, 'upstream exchange failed')
        return sendProblem(reply, 502, `${pool.name} did not answer properly`, extra)
    }
  }

  // Fastify's own text/plain parser would decode bodies the proxy must pass on as bytes;
  // the proxy then registers its pass-through parser for everything.
  app.removeAllContentTypeParsers()
  await app.register(httpProxy, {
    upstream: '',
    prefix: path,
    rewritePrefix: path,
    disableRequestLogging: true,
    destroyAgent: true,
    // Runs before the proxy resolves the path: `/users/../orders` must not reach anything,
    // and `/users/./x` must not be quietly rewritten into another resource.
    preRewrite: (url) => {
      if (hasDotSegment(url)) {
        throw new HttpProblem(400, 'the path must not contain "." or ".." segments')
      }
      return url
    },
    undici: {
      connections: 128,
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, CONNECT_TIMEOUT_MS) },
    },
    // Each service documents its own routes; the merged document carries them.
    config: { swaggerTransform: () => ({ schema: { hide: true } }) },
    replyOptions: {
      getUpstream: () => pool.pick() ?? NO_REPLICA,
      rewriteRequestHeaders: (request, headers) =>
        forwardedHeaders(request as Forwarded, headers as IncomingHttpHeaders),
      // The proxy's own retries repeat a request on the same replica (even 503 answers): off.
      retryDelay: () => null,
    },
    handler: (request, reply, dest, replyOptions) => {
      const first = replyOptions.getUpstream?.(request, '')
      if (first === undefined || first === NO_REPLICA) {
        return sendProblem(reply, 503, `no replica of ${pool.name} is known`, {
          upstream: pool.name,
        })
      }
      if (Number(request.headers['content-length']) > bodyLimit) return tooLarge(request, reply)
      const source = request.body instanceof Readable ? request.body : undefined
      const exchange = {
        dest,
        options: replyOptions,
        tried: new Set<string>(),
        source,
        body: undefined,
      }
      attempt(request, reply, exchange, first)
    },
  })
}
