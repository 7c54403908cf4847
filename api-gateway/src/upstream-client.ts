import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { Agent, type Dispatcher, util } from 'undici'

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
const noAbort = () => {}

/** RFC 9110 §7.6.1: about the upstream connection alone, never passed on to the client. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding'])

/**
 * The upstream's headers without its hop-by-hop ones (nor those its Connection header names):
 * the client's connection is the gateway's own, so an upstream's `connection: close` or
 * keep-alive timeout must not reach it. Skipping them here also spares the proxy a header
 * copy and validation each per answer. Repeated headers become arrays, as undici's do.
 */
function endToEndHeaders(raw: Buffer[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {}
  let connection: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = util.headerNameToString(raw[i] as Buffer)
    const value = (raw[i + 1] as Buffer).toString('latin1')
    if (HOP_BY_HOP.has(name)) {
      if (name === 'connection') connection = value
      continue
    }
    if (name === '__proto__') continue
    const prior = headers[name]
    if (prior === undefined) headers[name] = value
    else if (typeof prior === 'string') headers[name] = [prior, value]
    else prior.push(value)
  }
  if (connection !== undefined) {
    for (const token of connection.toLowerCase().split(',')) {
      const named = token.trim()
      if (named !== '') Reflect.deleteProperty(headers, named)
    }
  }
  return headers
}

/** Streams a large answer with back-pressure: the upstream socket pauses while the client lags. */
class StreamedBody extends Readable {
  #resume: () => void
  #abort: (reason: Error) => void
  #ended = false

  constructor(resume: () => void, abort: (reason: Error) => void) {
    super()
    this.#resume = resume
    this.#abort = abort
  }

  override _read() {
    this.#resume()
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
    if (!this.#ended) this.#abort(error ?? new Error('the client went away'))
    callback(error)
  }
}

/**
 * One exchange, in undici's own handler interface: no response stream, promise or async
 * resource for the common small answer, which is most of what proxying a request costs.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #callback: Callback | undefined
  #abort: (reason: Error) => void = noAbort
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

  onConnect(abort: (reason?: Error) => void) {
    this.#abort = abort
  }

  onHeaders(
    statusCode: number,
    rawHeaders: Buffer[],
    resume: () => void,
    _statusText: string,
  ): boolean {
    if (statusCode < 200) return true
    this.#statusCode = statusCode
    this.#headers = endToEndHeaders(rawHeaders)
    const length = this.#headers['content-length']
    const small =
      this.#method === 'HEAD' ||
      statusCode === 204 ||
      statusCode === 304 ||
      (length !== undefined && Number(length) <= BUFFERED_LIMIT_BYTES)
    if (small) {
      this.#chunks = []
      return true
    }
    this.#stream = new StreamedBody(resume, this.#abort)
    this.#respond(this.#stream)
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.#stream) return this.#stream.push(chunk)
    this.#chunks.push(chunk)
    return true
  }

  onComplete() {
    this.#body = undefined
    if (this.#stream) return this.#stream.end()
    const chunks = this.#chunks
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    this.#respond(new BufferedBody(bytes))
  }

  onError(error: Error) {
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
      handler.onError(error as Error)
    }
  }

  destroy() {
    return this.#agent.destroy()
  }

  close() {
    return this.#agent.close()
  }
}
