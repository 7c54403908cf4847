import { Readable } from 'node:stream'

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`)
  }
}

/**
 * Streams a request body to one upstream attempt without buffering or parsing it.
 *
 * It starts reading the client's stream only when the upstream connection asks for data,
 * so an attempt that never connected leaves the body untouched for the next replica (the
 * HTTP client destroys whatever stream it was handed when it fails). It also enforces the
 * size limit on bodies sent without a Content-Length.
 */
export class ForwardedBody extends Readable {
  #started = false
  #received = 0
  #ended = false
  readonly #source: Readable
  readonly #limit: number

  constructor(source: Readable, limit: number) {
    super()
    this.#source = source
    this.#limit = limit
  }

  /** True once any byte of the client's body went to an upstream: it cannot be sent again. */
  get started() {
    return this.#started
  }

  override _read() {
    if (this.#started) {
      this.#source.resume()
      return
    }
    this.#started = true
    this.#source.on('data', this.#onData)
    this.#source.once('end', this.#onEnd)
    this.#source.once('error', this.#onError)
    this.#source.once('close', this.#onClose)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.#source.off('data', this.#onData)
    this.#source.off('end', this.#onEnd)
    this.#source.off('error', this.#onError)
    this.#source.off('close', this.#onClose)
    callback(error)
  }

  readonly #onData = (chunk: Buffer) => {
    this.#received += chunk.length
    if (this.#received > this.#limit) {
      this.#source.pause()
      this.destroy(new BodyTooLargeError(this.#limit))
      return
    }
    if (!this.push(chunk)) this.#source.pause()
  }

  readonly #onEnd = () => {
    this.#ended = true
    this.push(null)
  }

  readonly #onError = (error: Error) => {
    this.destroy(error)
  }

  readonly #onClose = () => {
    if (!this.#ended) this.destroy(new Error('client closed the request before its end'))
  }
}
