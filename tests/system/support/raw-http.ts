/**
 * HTTP as a hostile client writes it. fetch normalises URLs, encodes bodies and refuses odd
 * header values; `http.request` sends the path and header bytes as given (anything from
 * 0x21 to 0xff, so invalid UTF-8 too), and a raw socket sends even what that refuses.
 */
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'

export interface RawRequest {
  method: string
  /** Sent exactly as written, query included. */
  path: string
  headers?: Record<string, string>
  body?: Buffer | string
}

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

const TIMEOUT_MS = 30_000

export function send(base: string, { method, path, headers = {}, body }: RawRequest) {
  const { hostname, port } = new URL(base)
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  return new Promise<RawAnswer>((resolve, reject) => {
    const request = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        agent: false,
        timeout: TIMEOUT_MS,
        headers: {
          ...(bytes === undefined ? {} : { 'content-length': String(bytes.length) }),
          ...headers,
        },
      },
      async (response) => {
        const chunks: Buffer[] = []
        for await (const chunk of response) chunks.push(chunk as Buffer)
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString(),
        })
      },
    )
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
    request.on('error', reject)
    request.end(bytes)
  })
}

/** Splits a raw HTTP/1.1 answer (one with a Content-Length, as errors are sent) into its parts. */
function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = raw.slice(0, end === -1 ? raw.length : end).split('\r\n')
  const headers: RawAnswer['headers'] = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]
  return {
    status: status ? Number(status) : 0,
    headers,
    text: end === -1 ? '' : Buffer.from(raw.slice(end + 4), 'latin1').toString(),
  }
}

/**
 * Writes `head` (request line and headers, CRLF-separated, without the blank line) and
 * `body` on a socket of its own and reads until the server closes it. Status 0 means the
 * server closed the connection without answering.
 */
export function sendRaw(base: string, head: string, body: Buffer = Buffer.alloc(0)) {
  const { hostname, port } = new URL(base)
  return new Promise<RawAnswer>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('no answer in time')))
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from('\r\n\r\n'), body]))
    })
    socket.on('data', (chunk) => chunks.push(chunk))
    // A reset after (or instead of) an answer is the server's way to end a bad request.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error)
    })
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('latin1'))))
  })
}
