/**
 * Tracing costs nothing unless asked for: without an OTLP endpoint a process loads no
 * OpenTelemetry SDK or instrumentation; with one it exports its spans (here http/protobuf).
 */
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  createTestDatabase,
  eventually,
  scratchDir,
  startTestRedis,
  suiteSetup,
  suiteStarted,
  uniqueName,
} from '@shop/test-kit'
import { startOtlpReceiver } from './support/otlp-receiver.js'
import { startServiceProcess } from './support/service-process.js'

const RECORDER = fileURLToPath(new URL('./support/loaded-modules.mjs', import.meta.url))
/**
 * The SDK, an instrumentation, a loader hook or BullMQ's adapter. OpenTelemetry's API alone
 * is left out: the Prometheus client loads it (a no-op until an SDK registers) for exemplars.
 */
const OPENTELEMETRY =
  /\/node_modules\/(@opentelemetry\/(?!api\/)|bullmq-otel\/|import-in-the-middle\/|require-in-the-middle\/|@fastify\/otel\/)/

describe('tracing off and on', () => {
  const database = suiteStarted(createTestDatabase)
  const redis = suiteStarted(startTestRedis)
  let dir: string

  suiteSetup(async (teardown) => {
    dir = await scratchDir('shop-tracing-')
    teardown(() => rm(dir, { recursive: true, force: true }))
  })

  /** Runs `entry` until `work` is done, and returns the CommonJS modules it loaded. */
  async function modulesLoadedBy(
    entry: string,
    env: Record<string, string>,
    work: (url: string) => Promise<unknown>,
  ) {
    const file = join(dir, `${uniqueName('modules')}.txt`)
    const service = await startServiceProcess(entry, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      WORKER_PORT: '0',
      // user-service's signing key and generated admin password: kept out of the clone.
      AUTH_KEYS_DIR: join(dir, 'user-service'),
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--import=${RECORDER}`,
      LOADED_MODULES_FILE: file,
      ...env,
    })
    try {
      await work(service.url)
    } finally {
      await service.stop()
    }
    return (await readFile(file, 'utf8')).split('\n')
  }

  for (const [entry, dependency] of [
    ['user-service/src/server.ts', '/pg/'],
    ['order-service/src/worker/server.ts', '/bullmq/'],
  ] as const) {
    it(`${entry} loads no OpenTelemetry SDK or instrumentation without an OTLP endpoint`, async () => {
      const modules = await modulesLoadedBy(entry, {}, (url) => fetch(`${url}/readyz`))
      // The list is the real one: the process's own dependencies are in it.
      assert.ok(
        modules.some((path) => path.includes('/fastify/')),
        'fastify is loaded',
      )
      assert.ok(
        modules.some((path) => path.includes(dependency)),
        `${dependency} is loaded`,
      )
      assert.deepEqual(
        modules.filter((path) => OPENTELEMETRY.test(path)),
        [],
      )
    })
  }

  it('exports spans over OTLP http/protobuf when an endpoint is set', async () => {
    const receiver = await startOtlpReceiver()
    try {
      const modules = await modulesLoadedBy(
        'user-service/src/server.ts',
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_BSP_SCHEDULE_DELAY: '100',
        },
        async (url) => {
          // Without a token: refused, and its route's span exported all the same.
          assert.equal((await fetch(`${url}/users/1`)).status, 401)
          // Protobuf keeps strings as they are: the route's span name is in the body. Spans go
          // out in batches every 100 ms: under load the request's hooks may end, and be sent,
          // a batch before its server span does.
          await eventually(async () =>
            receiver.exports.find(
              (one) => one.path === '/v1/traces' && one.body.includes('GET /users/:id'),
            ),
          )
          for (const one of receiver.exports) {
            assert.equal(one.headers['content-type'], 'application/x-protobuf', one.path)
          }
        },
      )
      assert.ok(
        modules.some((path) => OPENTELEMETRY.test(path)),
        'the SDK is loaded',
      )
    } finally {
      await receiver.stop()
    }
  })
})
