import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { Agent, type Dispatcher } from 'undici'

/**
 * Answers up to this size, announced by Content-Length, are read whole and sent on as one
 * buffer; larger ones and those of unknown length (chunked, event streams) are streamed.
 */
export const BUFFERED_LIMIT_BYTES = 64 * 1024

/** A small answer read whole; `destroy` as the proxy calls it on a stream when the client left. */
export class BufferedBody {
  constructor(readonly bytes: Buffer) {}
  destroy() {}
}

export interface UpstreamResponse {
  statusCode: number
  headers: IncomingHttpHeaders
  body: BufferedBody | Readable
}

type Callback = (error: Error | null, response?: UpstreamResponse) => void

const NO_CHUNKS: Buffer[] = []

/** RFC 9110 §7.6.1: about the upstream connection alone, never passed on to the client. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding'])

/**
 * The upstream's headers without its hop-by-hop ones (nor those its Connection header names):
 * the client's connection is the gateway's own, so an upstream's `connection: close` or
 * keep-alive timeout must not reach it. Leaving them out here also spares the proxy a header
 * copy and validation each per answer.
 */
function endToEndHeaders(parsed: IncomingHttpHeaders): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {}
  for (const name in parsed) {
    if (HOP_BY_HOP.has(name) || name === '__proto__') continue
    headers[name] = parsed[name]
  }
  // Typed as one string, yet an array when the upstream repeats it: either is a list.
  const connection: unknown = parsed.connection
  if (connection !== undefined) {
    for (const token of String(connection).toLowerCase().split(',')) {
      const named = token.trim()
      if (named !== '') Reflect.deleteProperty(headers, named)
    }
  }
  return headers
}

/** Streams a large answer with back-pressure: the upstream socket pauses while the client lags. */
class StreamedBody extends Readable {
  readonly #exchange: Dispatcher.DispatchController
  #ended = false

  constructor(exchange: Dispatcher.DispatchController) {
    super()
    this.#exchange = exchange
  }

  override _read() {
    this.#exchange.resume()
  }

  end() {
    this.#ended = true
    this.push(null)
  }

  /** The exchange failed inside undici, which needs no abort. */
  fail(error: Error) {
    this.#ended = true
    this.destroy(error)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    if (!this.#ended) this.#exchange.abort(error ?? new Error('the client went away'))
    callback(error)
  }
}

/**
 * One exchange, in undici's own handler interface: no response stream, promise or async
 * resource for the common small answer, which is most of what proxying a request costs.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #callback: Callback | undefined
  #statusCode = 0
  #headers: IncomingHttpHeaders = {}
  #chunks = NO_CHUNKS
  #stream: StreamedBody | undefined
  readonly #method: string
  #body: unknown

  constructor(method: string, body: unknown, callback: Callback) {
    this.#method = method
    this.#body = body
    this.#callback = callback
  }

  /** undici calls it on every handler; the controller comes again with each later call. */
  onRequestStart() {}

  onResponseStart(
    exchange: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ) {
    if (statusCode < 200) return
    this.#statusCode = statusCode
    this.#headers = endToEndHeaders(headers)
    const length = this.#headers['content-length']
    const small =
      this.#method === 'HEAD' ||
      statusCode === 204 ||
      statusCode === 304 ||
      (length !== undefined && Number(length) <= BUFFERED_LIMIT_BYTES)
    if (small) {
      this.#chunks = []
      return
    }
    this.#stream = new StreamedBody(exchange)
    this.#respond(this.#stream)
  }

  onResponseData(exchange: Dispatcher.DispatchController, chunk: Buffer) {
    if (!this.#stream) this.#chunks.push(chunk)
    else if (!this.#stream.push(chunk)) exchange.pause()
  }

  onResponseEnd() {
    this.#body = undefined
    if (this.#stream) return this.#stream.end()
    const chunks = this.#chunks
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    this.#respond(new BufferedBody(bytes))
  }

  onResponseError(_exchange: Dispatcher.DispatchController | undefined, error: Error) {
    const body = this.#body as Readable | undefined
    this.#body = undefined
    // As undici's own request API does: the request body stream is done with either way.
    if (body instanceof Readable) body.on('error', () => {}).destroy(error)
    if (this.#stream) {
      this.#stream.fail(error)
      return
    }
    const callback = this.#callback
    this.#callback = undefined
    if (callback) queueMicrotask(() => callback(error))
  }

  #respond(body: UpstreamResponse['body']) {
    const callback = this.#callback
    this.#callback = undefined
    callback?.(null, { statusCode: this.#statusCode, headers: this.#headers, body })
  }
}

/**
 * What `@fastify/reply-from` calls to reach an upstream (it takes any object with undici's
 * `request(options, callback)`): an undici Agent underneath, keep-alive pools per origin.
 */
export class UpstreamClient {
  readonly #agent: Agent

  constructor(options: Agent.Options) {
    this.#agent = new Agent(options)
  }

  request(options: Dispatcher.DispatchOptions, callback: Callback) {
    const handler = new ExchangeHandler(options.method, options.body, callback)
    try {
      this.#agent.dispatch(options, handler)
    } catch (error) {
      handler.onResponseError(undefined, error as Error)
    }
  }

  destroy() {
    return this.#agent.destroy()
  }

  close() {
    return this.#agent.close()
  }
}
