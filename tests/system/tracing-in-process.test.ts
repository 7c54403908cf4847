/**
 * One order's trace, with every process of the shop built in this test's process (each on a
 * loopback port of its own, over real HTTP, PostgreSQL and Redis) and spans kept in memory.
 * Tracing starts before any app module is imported: the apps are imported dynamically.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { startTracing } from '@shop/platform/tracing'
import { assertOrderTrace } from './support/order-trace.js'
import { SpanTree, type TraceSpan } from './support/span-tree.js'

const exporter = new InMemorySpanExporter()
const tracing = await startTracing('shop-test', {
  spanProcessors: [new SimpleSpanProcessor(exporter)],
})

const { runMigrations } = await import('@shop/platform')
const { createTestDatabase, eventually, listenOnLoopback, startTestRedis, uniqueName } =
  await import('@shop/platform/testing')
const gatewayModule = await import('../../api-gateway/src/app.js')
const gatewayConfig = await import('../../api-gateway/src/config.js')
const usersModule = await import('../../user-service/src/app.js')
const usersConfig = await import('../../user-service/src/config.js')
const { migrateDatabase } = await import('../../user-service/src/db/migrate.js')
const ordersModule = await import('../../order-service/src/api/app.js')
const ordersConfig = await import('../../order-service/src/config.js')
const { MIGRATIONS_FOLDER } = await import('../../order-service/src/db/database.js')
const { buildWorker } = await import('../../order-service/src/worker/order-worker.js')

/** The exporter's spans in the shape the assertions read. */
const finishedSpans = (): TraceSpan[] =>
  exporter.getFinishedSpans().map((span) => ({
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
  }))

describe('tracing, with every process in the test process', () => {
  const closers: (() => Promise<unknown>)[] = []
  const queueName = uniqueName('orders')
  let gatewayUrl = ''
  let ordersUrl = ''
  let usersUrl = ''

  before(async () => {
    const database = await createTestDatabase()
    closers.push(() => database.stop())
    const redis = await startTestRedis()
    closers.push(() => redis.stop())
    await migrateDatabase(database.url)
    await runMigrations({
      url: database.url,
      schema: 'orders',
      migrationsFolder: MIGRATIONS_FOLDER,
    })
    const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, LOG_LEVEL: 'silent' }
    const users = await usersModule.buildApp(usersConfig.loadConfig(common))
    closers.unshift(() => users.close())
    usersUrl = await listenOnLoopback(users)
    const queue = { ORDER_QUEUE_NAME: queueName }
    const orders = await ordersModule.buildApp(
      ordersConfig.loadConfig({ ...common, ...queue, USER_SERVICE_URL: usersUrl }),
    )
    closers.unshift(() => orders.close())
    ordersUrl = await listenOnLoopback(orders)
    const worker = await buildWorker(
      ordersConfig.loadWorkerConfig({ ...common, ...queue, PROCESSING_DELAY_MS: '0' }),
    )
    closers.unshift(() => worker.app.close())
    const gateway = await gatewayModule.buildGateway(
      gatewayConfig.loadConfig({
        LOG_LEVEL: 'silent',
        USER_SERVICE_URL: usersUrl,
        ORDER_SERVICE_URL: ordersUrl,
      }),
    )
    closers.unshift(() => gateway.close())
    gatewayUrl = await listenOnLoopback(gateway)
  })
  after(async () => {
    for (const close of closers) await close()
    await tracing?.shutdown()
  })

  it('shows one order from the gateway through user-service, the insert and the queue to the worker', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gatewayUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })
    const created = await post('/users', { email: 'traced@example.com', full_name: 'Traced' })
    assert.equal(created.status, 201)
    const user = (await created.json()) as { id: number }
    const placed = await post('/orders', { user_id: user.id, item: 'book', quantity: 1 })
    assert.equal(placed.status, 201)
    const order = (await placed.json()) as { id: number }

    // Spans reach the exporter as they end: wait for the worker's processing span.
    const tree = await eventually(async () => {
      const spans = finishedSpans()
      return spans.some((span) => span.name === `process ${queueName}`)
        ? new SpanTree(spans)
        : undefined
    })
    assertOrderTrace(tree, { ordersUrl, usersUrl, queueName, orderId: order.id })
  })
})
