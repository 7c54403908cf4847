import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TraceSpan } from './span-tree.js'

export interface OtlpExport {
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

interface OtlpJsonSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  /** Nanoseconds since the epoch, as a decimal string (or a number). */
  startTimeUnixNano: string | number
  endTimeUnixNano: string | number
  attributes?: OtlpAttributes
}
type OtlpAttributes = { key: string; value: Record<string, unknown> }[]
interface OtlpJsonTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttributes }
    scopeSpans?: { spans?: OtlpJsonSpan[] }[]
  }[]
}

/** An OTLP attribute value (`{ stringValue: … }`, `{ intValue: … }`, …) as a plain value. */
function plain(value: Record<string, unknown>): unknown {
  const [first] = Object.values(value)
  return typeof first === 'string' && 'intValue' in value ? Number(first) : first
}

const millis = (unixNano: string | number) => Number(BigInt(unixNano) / 1_000n) / 1_000

const attributesOf = (attributes: OtlpAttributes = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, plain(value)]))

/**
 * What a collector would receive over OTLP/HTTP, kept in memory: every POST is answered 200
 * and stored. `spans()` reads the `http/json` exports.
 */
export async function startOtlpReceiver() {
  const exports: OtlpExport[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      })
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    /** The spans of every JSON export to /v1/traces, OTLP's kinds turned into the API's. */
    spans(): TraceSpan[] {
      return exports
        .filter(
          (one) => one.path === '/v1/traces' && one.headers['content-type'] === 'application/json',
        )
        .flatMap((one) => (JSON.parse(one.body.toString()) as OtlpJsonTraces).resourceSpans ?? [])
        .flatMap(({ resource, scopeSpans }) => {
          const service = attributesOf(resource?.attributes)['service.name']
          return (scopeSpans ?? []).flatMap((scope) =>
            (scope.spans ?? []).map((span) => ({ span, service: String(service) })),
          )
        })
        .map(({ span, service }) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          // OTLP counts from SPAN_KIND_UNSPECIFIED = 0: its INTERNAL is the API's 0, plus one.
          kind: span.kind - 1,
          attributes: attributesOf(span.attributes),
          service,
          startMs: millis(span.startTimeUnixNano),
          endMs: millis(span.endTimeUnixNano),
        }))
    },
    async stop() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
