import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { PROBLEM_CONTENT_TYPE, problem, sendProblem } from './problem.js'

/**
 * Fastify answers a URL it cannot decode (`/users/%ZZ`) or a path parameter over its
 * length limit before any route or error handler runs; these answer in problem+json too.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  sendProblem(reply, error.statusCode ?? 400, error.message)
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, `the request line and headers exceed ${maxHeaderSize} bytes`],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request was not received in time'],
}
const MALFORMED: [number, string] = [400, 'the request is not valid HTTP/1.1']

/**
 * What Node's HTTP parser refuses (control characters in the request line or a header, a
 * head too large) never reaches Fastify: answer it on the socket, as problem+json, and close.
 */
export function clientErrorHandler(
  error: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, detail] = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED
  const body = JSON.stringify(problem(status, detail))
  // An answer to HEAD has no body: a client would read one as the start of the next answer.
  const head =
    Buffer.isBuffer(error.rawPacket) && error.rawPacket.toString('latin1', 0, 5) === 'HEAD '
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${head ? '' : body}`,
    )
  }
  socket.destroy(error)
}
