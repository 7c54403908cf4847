/**
 * A floor under the gateway: Fastify without logger or hooks and @fastify/http-proxy set up
 * as the gateway sets it up (its undici client, small answers sent as one buffer, the proxy's
 * own retries off), without anything the gateway does around it per request (request ids,
 * forwarded headers, replica choice, metrics, logging).
 */
import proxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import Fastify from 'fastify'
import { BufferedBody, UpstreamClient } from '../../../api-gateway/src/upstream-client.js'

const app = Fastify({ logger: false })
await app.register(proxy, {
  upstream: String(process.env.UPSTREAM_URL),
  prefix: '/users',
  rewritePrefix: '/users',
  undici: new UpstreamClient({
    connections: 128,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  }) as unknown as FastifyHttpProxyOptions['undici'],
  replyOptions: {
    retryDelay: () => null,
    onResponse: (_request, reply, response) => {
      const body = (response as unknown as { stream: unknown }).stream
      reply.send(body instanceof BufferedBody ? body.bytes : body)
    },
  },
})
app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
