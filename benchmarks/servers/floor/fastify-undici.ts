/**
 * A floor under the gateway: Fastify without logger or hooks, one route handing each request
 * to the gateway's undici client (`UpstreamClient`), without @fastify/http-proxy.
 */
import Fastify from 'fastify'
import { BufferedBody, UpstreamClient } from '../../../api-gateway/src/upstream-client.js'

const upstream = String(process.env.UPSTREAM_URL)
const client = new UpstreamClient({ connections: 128, headersTimeout: 10_000, bodyTimeout: 10_000 })
const app = Fastify({ logger: false })

app.get('/users/:id', (request, reply) => {
  client.request(
    { origin: upstream, path: request.url, method: 'GET', headers: request.headers },
    (error, answer) => {
      if (error || !answer) {
        reply.code(502).send()
        return
      }
      reply
        .code(answer.statusCode)
        .headers(answer.headers)
        .send(answer.body instanceof BufferedBody ? answer.body.bytes : undefined)
    },
  )
})
app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
