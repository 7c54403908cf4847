import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { ReplicaBalancer } from '@shop/platform'
import { HttpProblem, REQUEST_ID_HEADER, sendProblem } from '@shop/platform'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { hasDotSegment } from './dot-segments.js'
import { ForwardedBody } from './request-body.js'
import { BufferedBody, UpstreamClient, type UpstreamResponse } from './upstream-client.js'
import { classifyFailure } from './upstream-errors.js'
import { observeUpstream, type UpstreamHistogram } from './upstream-metrics.js'

export interface ProxyRouteOptions {
  /** Proxied with the path kept: `/users/7` is requested upstream as `/users/7`. */
  path: string
  replicas: ReplicaBalancer
  timeoutMs: number
  bodyLimit: number
  histogram: UpstreamHistogram
}

/** PUT and DELETE too: repeating them leaves the upstream as one call would. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])
const MAX_ATTEMPTS = 3
const CONNECT_TIMEOUT_MS = 3_000

/** Never dialled: every attempt goes through `optionsFor(target)`. */
const UNPICKED = 'http://unpicked.invalid'

type ReplyOptions = NonNullable<FastifyHttpProxyOptions['replyOptions']>
type ProxiedResponse = { stream: UpstreamResponse['body'] }

/** What a request with a body, or one being retried, carries from attempt to attempt. */
interface Exchange {
  dest: string
  tried: Set<string>
  /** The client's body stream, when the request has one. */
  source: Readable | undefined
  body: ForwardedBody | undefined
}

type Forwarded = Pick<FastifyRequest, 'id' | 'socket' | 'body'> & { headers: IncomingHttpHeaders }

/**
 * Request headers about the client's connection to the gateway (RFC 9110 §7.6.1), or meant
 * for a proxy: undici refuses to send several of them, and none is the upstream's business.
 * The proxy has already removed `Connection` and the headers it names.
 */
const HOP_BY_HOP = new Set(['expect', 'upgrade', 'keep-alive', 'te', 'trailer'])

function isHopByHop(name: string) {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-')
}

function forwardedHeaders(request: Forwarded, copied: IncomingHttpHeaders) {
  // The proxy hands over a copy made by object spread. V8 gives such an object a hidden class
  // of its own, so each key added to it builds a new one: about a microsecond a key, per
  // request. A copy made by Object.assign takes the keys along the usual shared transitions.
  const headers: IncomingHttpHeaders = Object.assign({}, copied)
  for (const name in headers) {
    if (isHopByHop(name) && headers[name] !== undefined) headers[name] = undefined
  }
  headers[REQUEST_ID_HEADER] = request.id
  // The client's Host, as services build absolute links from it.
  if (request.headers.host) headers.host = request.headers.host
  // The peer's address, not `request.ip`: behind TRUST_PROXY_HOPS proxies that is the client's,
  // already in the list.
  const peer = request.socket.remoteAddress ?? ''
  const prior = request.headers['x-forwarded-for']
  headers['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer
  // GET and HEAD bodies are never read, so they must not be announced upstream. undici
  // leaves out undefined headers; `delete` would turn the object into a slow dictionary
  // that every later copy of it pays for, and adding absent keys would reshape it.
  if (request.body === undefined) {
    if (headers['content-length'] !== undefined) headers['content-length'] = undefined
    if (headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = undefined
  }
  return headers
}

/**
 * Forwards every method under `path` to the upstream's replicas, passing bodies both ways
 * untouched: requests streamed, answers read whole when small and streamed when large
 * (`UpstreamClient`). Failures become problem+json here instead of the proxy's bare 500s.
 *
 * On the hot path nothing is built per request that can be built once: the proxy's options
 * for each replica are made on first use and kept, and the state a retry needs is made
 * only for requests with a body and for failed attempts.
 */
export const proxyRoutes: FastifyPluginAsync<ProxyRouteOptions> = async (app, options) => {
  const { path, replicas, timeoutMs, bodyLimit, histogram } = options
  app.addHook('onResponse', observeUpstream(histogram, replicas.name))
  // Built once: every problem names the upstream; a 503 also as the dependency it lacks.
  const named = { upstream: replicas.name }
  const unavailable = { upstream: replicas.name, dependency: replicas.name }
  const exchanges = new WeakMap<FastifyRequest, Exchange>()
  const optionsByTarget = new Map<string, ReplyOptions>()

  const shared: ReplyOptions = {
    // Only so the proxy accepts an empty `upstream`: the handler picks each request's replica.
    getUpstream: () => UNPICKED,
    rewriteRequestHeaders: (request, headers) =>
      forwardedHeaders(request as Forwarded, headers as IncomingHttpHeaders),
    // The proxy's own retries repeat a request on the same replica (even 503 answers): off.
    retryDelay: () => null,
    onResponse: (_request, reply, response) => {
      const body = (response as unknown as ProxiedResponse).stream
      reply.send(body instanceof BufferedBody ? body.bytes : body)
    },
  }

  function optionsFor(target: string): ReplyOptions {
    let found = optionsByTarget.get(target)
    if (!found) {
      // Replicas come and go with DNS; forget them all rather than keep stale ones forever.
      if (optionsByTarget.size >= 64) optionsByTarget.clear()
      found = {
        ...shared,
        getUpstream: () => target,
        onError: (reply, { error }) =>
          failed(reply.request as FastifyRequest, reply as FastifyReply, target, error),
      }
      optionsByTarget.set(target, found)
    }
    return found
  }

  function tooLarge(request: FastifyRequest, reply: FastifyReply) {
    // Closing with the body unread would reset the connection under a client still sending
    // it, before it reads this answer: read the rest and drop it instead (the server's
    // requestTimeout bounds how long that may take).
    request.raw.resume()
    return sendProblem(reply, 413, `request body exceeds ${bodyLimit} bytes`)
  }

  function attempt(request: FastifyRequest, reply: FastifyReply, dest: string, target: string) {
    const exchange = exchanges.get(request)
    if (exchange) {
      exchange.tried.add(target)
      if (exchange.source) {
        exchange.body = new ForwardedBody(exchange.source, bodyLimit)
        request.body = exchange.body
      }
    }
    reply.from(dest, optionsFor(target))
  }

  function failed(request: FastifyRequest, reply: FastifyReply, target: string, error: Error) {
    const { kind, code } = classifyFailure(error)
    if (kind === 'not-connected') replicas.markDown(target)
    let exchange = exchanges.get(request)
    if (!exchange) {
      // A request without a body kept no state for its first attempt. The proxy's path is
      // the request's own (`rewritePrefix` equals `prefix`), without the query it re-adds.
      const dest = request.url.split('?', 1)[0] as string
      exchange = { dest, tried: new Set([target]), source: undefined, body: undefined }
      exchanges.set(request, exchange)
    }
    const bodyIntact = !exchange.body?.started
    const retryable =
      bodyIntact &&
      (kind === 'not-connected' || (kind === 'connection-lost' && IDEMPOTENT.has(request.method)))
    const next = retryable && exchange.tried.size < MAX_ATTEMPTS && replicas.pick(exchange.tried)
    if (next) {
      request.log.info(
        { upstream: replicas.name, failed: target, code, next },
        'retrying on another replica',
      )
      return attempt(request, reply, exchange.dest, next)
    }
    switch (kind) {
      case 'body-too-large':
        return tooLarge(request, reply)
      case 'timeout':
        return sendProblem(
          reply,
          504,
          `${replicas.name} did not answer within ${timeoutMs} ms`,
          named,
        )
      case 'not-connected':
        return sendProblem(reply, 503, `no replica of ${replicas.name} is reachable`, unavailable)
      case 'connection-lost':
        return sendProblem(
          reply,
          502,
          `${replicas.name} closed the connection before answering`,
          named,
        )
      default:
        request.log.error({ err: error, upstream: replicas.name }, 'upstream exchange failed')
        return sendProblem(reply, 502, `${replicas.name} did not answer properly`, named)
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
    undici: new UpstreamClient({
      connections: 128,
      // No pipelining. undici pipelines only idempotent requests, and only once every
      // connection allowed is busy (with 128 it opens one per request in flight anyway); with
      // fewer connections so that it does, a Node upstream spends more CPU per request, as its
      // server holds back each pipelined answer until the one before it is written, and a slow
      // answer delays every request queued behind it on the same connection.
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, CONNECT_TIMEOUT_MS) },
    }) as unknown as FastifyHttpProxyOptions['undici'],
    config: {
      // Each service documents its own routes; the merged document carries them.
      swaggerTransform: () => ({ schema: { hide: true } }),
      // Proxied requests are measured by upstream above, more cheaply than per route.
      disableMetrics: true,
    },
    replyOptions: shared,
    handler: (request, reply, dest) => {
      const first = replicas.pick()
      if (first === undefined) {
        return sendProblem(reply, 503, `no replica of ${replicas.name} is known`, unavailable)
      }
      if (Number(request.headers['content-length']) > bodyLimit) return tooLarge(request, reply)
      if (request.body instanceof Readable) {
        exchanges.set(request, {
          dest,
          tried: new Set(),
          source: request.body,
          body: undefined,
        })
      }
      attempt(request, reply, dest, first)
    },
  })
}
