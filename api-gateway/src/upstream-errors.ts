import { BodyTooLargeError } from './request-body.js'

/**
 * What went wrong talking to an upstream, by what it means for a retry:
 * - `not-connected`: no connection was made, so no byte reached the upstream — safe to
 *   retry elsewhere whatever the method;
 * - `connection-lost`: the connection broke before a response — the upstream may have
 *   acted on the request, so only idempotent methods are retried;
 * - `timeout`: no response in time — never retried (the upstream may still be working);
 * - `body-too-large`: the client's body outgrew the limit while streaming.
 */
export type FailureKind =
  | 'not-connected'
  | 'connection-lost'
  | 'timeout'
  | 'body-too-large'
  | 'other'

const KINDS = new Map<string, FailureKind>([
  ['ECONNREFUSED', 'not-connected'],
  ['UND_ERR_CONNECT_TIMEOUT', 'not-connected'],
  ['EHOSTUNREACH', 'not-connected'],
  ['ENETUNREACH', 'not-connected'],
  ['EHOSTDOWN', 'not-connected'],
  ['EADDRNOTAVAIL', 'not-connected'],
  ['ENOTFOUND', 'not-connected'],
  ['EAI_AGAIN', 'not-connected'],
  ['ECONNRESET', 'connection-lost'],
  ['EPIPE', 'connection-lost'],
  ['UND_ERR_SOCKET', 'connection-lost'],
  ['UND_ERR_CLOSED', 'connection-lost'],
  ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'timeout'],
  ['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'timeout'],
  ['FST_REPLY_FROM_TIMEOUT', 'timeout'],
])

/** Follows the `cause` chain (the proxy wraps the HTTP client's error) to a known code. */
export function classifyFailure(error: unknown): { kind: FailureKind; code: string | undefined } {
  let current: unknown = error
  let firstCode: string | undefined
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof BodyTooLargeError) return { kind: 'body-too-large', code: undefined }
    const code = (current as NodeJS.ErrnoException).code
    firstCode ??= code
    const kind = code === undefined ? undefined : KINDS.get(code)
    if (kind) return { kind, code }
    const inner = current instanceof AggregateError ? current.errors[0] : undefined
    current = current.cause ?? inner
  }
  return { kind: 'other', code: firstCode }
}
