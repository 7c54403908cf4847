import { connect } from 'node:net'

const UPLOAD_PIECE_BYTES = 64 * 1024

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body: Buffer
}

/**
 * Sends one request over a socket of its own, the whole body at once, and reads the answer.
 * Like curl, it counts a connection reset while the body is still being sent as a failure even
 * when an answer arrived first: such a client never gets to read it. Rejects as well when the
 * connection ends before a complete answer.
 */
export function sendRawRequest(
  base: string,
  { method = 'POST', path, headers = {}, body }: RawRequest,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    let sent = false
    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      socket.destroy()
      outcome()
    }
    const answered = () => parse(Buffer.concat(chunks))
    socket.setTimeout(30_000, () =>
      settle(() => reject(new Error('no complete answer within 30 s'))),
    )
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const response = answered()
      if (response && sent) settle(() => resolve(response))
    })
    socket.on('error', (error) => {
      const what = sent ? 'after the body was sent' : 'while the body was being sent'
      settle(() => reject(new Error(`${error.message} ${what}`)))
    })
    socket.on('close', () =>
      settle(() => reject(new Error('connection closed before a complete answer'))),
    )
    const head = [
      `${method} ${path} HTTP/1.1`,
      `host: ${hostname}:${port}`,
      `content-length: ${body.length}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      '',
      '',
    ].join('\r\n')
    // Piece by piece, as a client uploading over a real network does: a server that answers
    // early and then closes the connection resets it under the pieces still coming.
    let offset = 0
    const writeNext = (error?: Error | null) => {
      if (error || settled) return
      if (offset >= body.length) {
        sent = true
        const response = answered()
        if (response) settle(() => resolve(response))
        return
      }
      const piece = body.subarray(offset, offset + UPLOAD_PIECE_BYTES)
      offset += piece.length
      socket.write(piece, (failed) => setTimeout(() => writeNext(failed), 1))
    }
    socket.write(head, writeNext)
  })
}

/** A complete HTTP/1.1 answer with a Content-Length body, or undefined while incomplete. */
function parse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  // An interim answer (100 Continue to an Expect) comes before the real one.
  if (data.subarray(0, 13).toString('latin1').startsWith('HTTP/1.1 1')) {
    return parse(data.subarray(end + 4))
  }
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? Number.NaN)
  if (Number.isNaN(length) || data.length - end - 4 < length) return undefined
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
  }
}
