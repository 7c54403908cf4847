/**
 * The trivial upstream: answers GET /users/:id with a small JSON body and nothing else
 * worth measuring. No logger, no hooks: the cost of a route, so that a proxy's cost shows.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })

app.get<{ Params: { id: string } }>('/users/:id', async (request) => ({
  id: Number(request.params.id),
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  created_at: '2024-01-01T00:00:00.000Z',
}))
// The gateway fetches each upstream's document: give it one so it settles.
app.get('/docs/json', async () => ({
  openapi: '3.0.3',
  info: { title: 'upstream', version: '1.0.0' },
  paths: {},
}))
// The gateway's readiness asks each upstream's /healthz.
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
