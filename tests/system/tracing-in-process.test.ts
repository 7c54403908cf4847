/**
 * One order's trace, with every process of the shop built in this test's process (each on a
 * loopback port of its own, over real HTTP, PostgreSQL and Redis) and spans kept in memory.
 * Tracing starts before any app module is imported: the apps are imported dynamically.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { context, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { startTracing } from '@shop/platform/tracing'
import { suiteSetup } from '@shop/test-kit'
import { assertOrderTrace } from './support/order-trace.js'
import { SpanTree, type TraceSpan } from './support/span-tree.js'

const exporter = new InMemorySpanExporter()
const tracing = await startTracing('shop-test', {
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
})

const { createLogger } = await import('@shop/platform')
const {
  createTestDatabase,
  eventually,
  listenOnLoopback,
  scratchDir,
  signIn,
  signUp,
  startTestRedis,
  uniqueName,
} = await import('@shop/test-kit')
const gatewayModule = await import('../../api-gateway/src/app.js')
const gatewayConfig = await import('../../api-gateway/src/config.js')
const usersModule = await import('../../user-service/src/app.js')
const usersConfig = await import('../../user-service/src/config.js')
const { migrateDatabase } = await import('../../user-service/src/db/migrate.js')
const ordersModule = await import('../../order-service/src/api/app.js')
const ordersConfig = await import('../../order-service/src/config.js')
const { migrateDatabase: migrateOrders } = await import('../../order-service/src/db/migrate.js')
const { buildWorker } = await import('../../order-service/src/worker/order-worker.js')
const { createOrderQueue, jobIdFor } = await import('../../order-service/src/orders/order-queue.js')
const { queueTelemetry } = await import('../../order-service/src/orders/queue-telemetry.js')
const { createOrderEnqueuer } = await import('../../order-service/src/orders/order-enqueuer.js')

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
  let redisUrl = ''
  const admin = { email: 'traced-admin@example.com', password: 'traced admin password' }

  suiteSetup(async (teardown) => {
    teardown(async () => {
      for (const close of closers) await close()
      await tracing?.shutdown()
    })
    const database = await createTestDatabase()
    closers.push(() => database.stop())
    const redis = await startTestRedis()
    closers.push(() => redis.stop())
    redisUrl = redis.url
    await migrateDatabase(database.url)
    await migrateOrders(database.url)
    const keys = await scratchDir('traced-keys-')
    closers.push(() => rm(keys, { recursive: true, force: true }))
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
      AUTH_ISSUER: 'http://shop.traced.test',
    }
    const users = await usersModule.buildApp(
      usersConfig.loadConfig({
        ...common,
        AUTH_KEYS_DIR: keys,
        SHOP_ADMIN_EMAIL: admin.email,
        SHOP_ADMIN_PASSWORD: admin.password,
      }),
    )
    closers.unshift(() => users.close())
    usersUrl = await listenOnLoopback(users)
    await users.bootstrapAdmin()
    const discovery = { AUTH_DISCOVERY_URL: `${usersUrl}/.well-known/openid-configuration` }
    const queue = { ORDER_QUEUE_NAME: queueName }
    const orders = await ordersModule.buildApp(
      ordersConfig.loadConfig({ ...common, ...discovery, ...queue, USER_SERVICE_URL: usersUrl }),
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
        AUTH_ISSUER: common.AUTH_ISSUER,
        ...discovery,
        USER_SERVICE_URL: usersUrl,
        ORDER_SERVICE_URL: ordersUrl,
      }),
    )
    closers.unshift(() => gateway.close())
    gatewayUrl = await listenOnLoopback(gateway)
  })

  it('shows one order from the gateway through user-service, the insert and the queue to the worker', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gatewayUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })
    // An admin ordering for a customer: order-service checks the user with user-service.
    const user = await signUp(gatewayUrl)
    const { authorization } = await signIn(gatewayUrl, admin.email, admin.password)
    const placed = await post(
      '/orders',
      { user_id: user.id, item: 'book', quantity: 1 },
      { authorization },
    )
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

  it("gives each order of one batch its own request's id and trace", async () => {
    const log = createLogger('test', 'silent')
    const queue = createOrderQueue({
      redisUrl,
      queueName: uniqueName('batched'),
      maxAttempts: 1,
      backoffMs: 1,
      log,
      telemetry: await queueTelemetry(),
    })
    const enqueuer = createOrderEnqueuer({ queue, orders: { markEnqueued: async () => {} }, log })
    try {
      const tracer = trace.getTracer('test')
      const requests = [tracer.startSpan('first request'), tracer.startSpan('second request')]
      // Both calls in one turn of the event loop: they leave in one addBulk.
      const queued = requests.map((span, i) =>
        context.with(trace.setSpan(context.active(), span), () =>
          enqueuer.enqueue(9_000 + i, `request-${i}`),
        ),
      )
      assert.deepEqual(await Promise.all(queued), [true, true])
      for (const span of requests) span.end()

      const spans = new SpanTree(finishedSpans())
      const bulk = spans.spans.filter((span) => span.name === `addBulk ${queue.queue.name}`)
      assert.equal(bulk.length, 1)
      assert.equal(bulk[0]?.attributes['bullmq.job.bulk.count'], 2)
      for (const [i, request] of requests.entries()) {
        const job = await queue.queue.getJob(jobIdFor(9_000 + i))
        assert.equal(job?.data.request_id, `request-${i}`)
        // W3C traceparent: version-traceid-spanid-flags; the span is this order's enqueue.
        const { traceparent } = JSON.parse(String(job?.opts.telemetry?.metadata))
        const [, traceId, spanId] = String(traceparent).split('-')
        assert.equal(traceId, request.spanContext().traceId)
        const enqueue = spans.spans.find((span) => span.spanId === spanId)
        assert.equal(enqueue?.name, `enqueue ${queue.queue.name}`)
        assert.equal(enqueue?.parentSpanId, request.spanContext().spanId)
      }
    } finally {
      await enqueuer.drain()
      await queue.queue.obliterate({ force: true })
      await queue.close()
    }
  })
})
