/**
 * The baseline: `@fastify/http-proxy` as its README shows it, with default options (only
 * the prefix mapping is set, so /users/1 reaches the upstream as /users/1).
 */
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'

const app = Fastify()
await app.register(proxy, {
  upstream: String(process.env.UPSTREAM_URL),
  prefix: '/users',
  rewritePrefix: '/users',
})
app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
