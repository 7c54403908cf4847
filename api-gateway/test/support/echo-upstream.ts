import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'

/** What an echo upstream saw, as it answers it. */
export interface Echo {
  replica: string
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  /** The body exactly as received, base64. */
  body: string
}

export interface EchoOptions {
  /** Answers carry it, so a test can tell replicas apart. */
  name: string
  host?: string
  port?: number
  /** Connections the kernel queues before this process accepts them. */
  backlog?: number
  /** Served at `/docs/json`; `undefined` answers 503 (docs not ready). */
  docs?: unknown
}

export const PROBLEM_BODY =
  '{"type":"about:blank","title":"Conflict","status":409,"detail":"email taken"}'

/**
 * A stand-in upstream: echoes every request under /users and /orders, plus a few routes
 * with fixed behaviour (`/<prefix>/problem`, `/<prefix>/slow`, `/<prefix>/unavailable`,
 * `/<prefix>/hang-up`, `/<prefix>/half-headers`, `/<prefix>/half-body`).
 */
/** Bytes whose every position differs from its neighbours', so a shifted chunk shows. */
export function patternBytes(length: number) {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + (i >> 8)) % 256))
}

export function echoApp(options: EchoOptions) {
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 })
  let docs = options.docs
  let hits = 0
  let docsRequests = 0
  let connections = 0
  app.server.on('connection', () => {
    connections++
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/users') || request.url.startsWith('/orders')) hits++
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/docs/json', async (_request, reply) => {
    docsRequests++
    return docs === undefined ? reply.code(503).send({ status: 'starting' }) : docs
  })
  for (const prefix of ['/users', '/orders']) {
    app.all(`${prefix}/problem`, async (_request, reply) =>
      reply
        .code(409)
        .type('application/problem+json')
        .header('location', `${prefix}/7`)
        .send(PROBLEM_BODY),
    )
    app.get(`${prefix}/slow`, async () => {
      // Unref'd: a test that is done with this answer need not wait for it.
      await sleep(5_000, undefined, { ref: false })
      return { slow: true }
    })
    // `?length=` bytes of a repeating pattern, with their Content-Length.
    app.get<{ Querystring: { length?: string } }>(`${prefix}/bytes`, async (request, reply) =>
      reply.type('application/octet-stream').send(patternBytes(Number(request.query.length ?? 0))),
    )
    app.all(`${prefix}/unavailable`, async (_request, reply) =>
      reply.code(503).type('application/problem+json').send({ status: 503 }),
    )
    app.all(`${prefix}/hang-up`, async (request) => {
      request.raw.socket.destroy()
    })
    // Dies halfway through its status and headers, or halfway through its body.
    app.all(`${prefix}/half-headers`, (request, reply) => {
      reply.hijack()
      request.raw.socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/pl')
      request.raw.socket.destroySoon()
    })
    // Announces a body of `?length=` bytes (100 by default), sends 10, and hangs up.
    app.all<{ Querystring: { length?: string } }>(`${prefix}/half-body`, (request, reply) => {
      reply.hijack()
      const length = Number(request.query.length ?? 100)
      const head = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\n\r\n`
      request.raw.socket.write(`${head}0123456789`, () => request.raw.socket.destroy())
    })
  }
  app.all('/*', async (request, reply) => {
    const status = Number(request.headers['x-echo-status'] ?? 200)
    const echo: Echo = {
      replica: options.name,
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body.toString('base64') : '',
    }
    return reply.code(status).header('x-upstream', options.name).send(echo)
  })
  return {
    app,
    get hits() {
      return hits
    },
    get docsRequests() {
      return docsRequests
    },
    /** TCP connections accepted so far. */
    get connections() {
      return connections
    },
    setDocs(value: unknown) {
      docs = value
    },
  }
}

export interface RunningEcho extends ReturnType<typeof echoApp> {
  url: string
  port: number
  close(): Promise<void>
}

export async function startEcho(options: EchoOptions): Promise<RunningEcho> {
  const echo = echoApp(options)
  const app: FastifyInstance = echo.app
  await app.listen({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    ...(options.backlog === undefined ? {} : { backlog: options.backlog }),
  })
  const { port } = app.server.address() as { port: number }
  return Object.assign(echo, {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () => app.close(),
  })
}
