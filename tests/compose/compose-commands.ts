/**
 * The compose test: the README's own `docker compose` commands, typed as the README gives
 * them (adding only `-d --wait`, or running `watch` in the background), on Docker Engine,
 * checked end to end through the typed client. It starts the engine (scripts/compose/engine.sh;
 * stopped again at the end unless it was running) and builds the stand-in base images that
 * are missing, then runs project shop-e2e on host ports 28001-28555 and 28090, any local .env
 * ignored, and ends with `docker compose down -v` whatever happened.
 *   pnpm test:compose      (as root on Debian; .ci/run's compose step)
 * It runs as a plain node script, not under `node --test`, whose parent process ends a test
 * file on Ctrl-C before its clean-up is done; run directly, the file cleans up, then exits.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import type { ShopClient } from '@shop/client'
import { eventually, sendRawRequest, uniqueName } from '@shop/test-kit'
import {
  ADMIN,
  ALL_FILES,
  ComposeProject,
  DEV_FILES,
  PORTS,
  REDIS_PASSWORD,
} from './support/compose-project.js'
import { type Engine, skipWithoutEngine, startEngine } from './support/engine.js'
import { assertLockedDown, assertNoneRestarted, assertRedisConfined } from './support/hardening.js'
import {
  assertAllHealthy,
  assertPublishedOn,
  crashAndRecover,
  restartedSince,
} from './support/health.js'
import { listeners } from './support/host.js'
import { checksInOrder } from './support/in-order.js'
import { assertMetricsUnpublished } from './support/metrics.js'
import { nativePostgresMajor, runSystemTest } from './support/native.js'
import { orderProcessed, ordersServed, placeProcessedOrder } from './support/orders.js'
import { seriesCount, targetProblems } from './support/prometheus.js'
import { ComposeWatch, editSource } from './support/watch.js'

const GATEWAY = `http://127.0.0.1:${PORTS.gateway}`
const PROMETHEUS = `http://127.0.0.1:${PORTS.prometheus}`
const ORDER_SERVICES = 2
const WORKERS = 3
const WATCHED_FILE = 'api-gateway/src/server.ts'
const UP = ['up', '--build', '-d', '--wait']
const NODE_SERVICES = ['api-gateway', 'user-service', 'order-service', 'order-worker', 'bull-board']

const check = checksInOrder()

describe('docker compose on Docker Engine', { skip: skipWithoutEngine }, () => {
  let engine: Engine | undefined
  let project: ComposeProject
  let watch: ComposeWatch | undefined
  let edit: { restore(): Promise<void> } | undefined
  let orderId: number
  /** The customer who placed `orderId`: their client, and their token as a header. */
  let client: ShopClient
  let authorization: string

  let cleaning: Promise<void> | undefined
  /** Whatever happened: watch stopped, the file put back, the project down, the engine too. */
  const cleanUp = () => {
    cleaning ??= tearDown()
    return cleaning
  }

  before(async () => {
    // Ctrl-C or a CI timeout: the same clean-up as after the last check, then out.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void cleanUp().finally(() => process.exit(130)))
    }
    engine = await startEngine()
    project = new ComposeProject(engine.dockerHost)
    await project.compose(['down', '-v', '--remove-orphans'], { files: ALL_FILES })
  })
  after(cleanUp)

  async function tearDown() {
    try {
      await watch?.stop()
      await edit?.restore()
      if (project && check.failed()) {
        const ps = await project.compose(['ps', '-a'], { files: ALL_FILES }).catch(String)
        const logs = await project
          .compose(['logs', '--no-color', '--tail', '25'], { files: ALL_FILES })
          .catch(String)
        process.stderr.write(`--- docker compose ps -a\n${ps}\n--- docker compose logs\n${logs}\n`)
        if (watch) process.stderr.write(`--- docker compose watch\n${watch.tail()}\n`)
      }
      await project?.compose(['down', '-v', '--remove-orphans'], { files: ALL_FILES })
    } finally {
      await engine?.stop()
    }
  }

  describe('docker compose up --build', () => {
    check('finds the host ports it publishes free', async () => {
      const ports = [...Object.values(PORTS)].flat()
      for (const port of ports) {
        assert.deepEqual(await listeners(port), [], `port ${port} is in use: stop what listens`)
      }
    })

    check('starts every container, healthy', async () => {
      await project.compose(UP)
      await assertAllHealthy(project, { orderServices: 1, workers: 1 })
    })

    check(
      'locks every container down: no capability, no-new-privileges, read-only root, memory and pids limits',
      async () => {
        await assertLockedDown(project)
      },
    )

    check('keeps Redis under a maxmemory, its password on no command line', async () => {
      await assertRedisConfined(project, REDIS_PASSWORD)
    })

    check("runs the native stack's PostgreSQL major", async () => {
      const version = await project.compose(['exec', '-T', 'postgres', 'postgres', '--version'])
      assert.equal(/PostgreSQL\) (\d+)\./.exec(version)?.[1], await nativePostgresMajor())
    })

    check('publishes only the gateway beyond 127.0.0.1', async () => {
      await assertPublishedOn(project, 'api-gateway', 8080, '0.0.0.0')
      for (const [service, port] of [
        ['user-service', 8001],
        ['order-service', 8002],
        ['bull-board', 5555],
        ['postgres', 5432],
        ['redis', 6379],
      ] as const) {
        await assertPublishedOn(project, service, port, '127.0.0.1')
      }
    })

    check(
      'serves /metrics on no published port, only on each unpublished metrics port',
      async () => {
        const orderService = await project.published('order-service', 8002)
        await assertMetricsUnpublished(project, 'api-gateway', GATEWAY)
        await assertMetricsUnpublished(
          project,
          'user-service',
          `http://127.0.0.1:${PORTS.userService}`,
        )
        await assertMetricsUnpublished(
          project,
          'order-service',
          `http://127.0.0.1:${orderService.port}`,
        )
        await assertMetricsUnpublished(project, 'order-worker')
        await assertMetricsUnpublished(project, 'bull-board')
      },
    )

    check('takes a user and an order through the gateway and processes it', async () => {
      ;({ orderId, client, authorization } = await placeProcessedOrder(GATEWAY))
    })

    check('answers a 2 MB body with a 413 problem the client reads', async () => {
      const body = Buffer.from(
        JSON.stringify({ email: 'big@example.com', full_name: 'x'.repeat(2 * 1024 * 1024) }),
      )
      const orderService = await project.published('order-service', 8002)
      for (const [base, path] of [
        [`http://127.0.0.1:${PORTS.userService}`, '/users'],
        [GATEWAY, '/users'],
        [`http://127.0.0.1:${orderService.port}`, '/orders'],
      ] as const) {
        const answer = await sendRawRequest(base, {
          path,
          headers: { 'content-type': 'application/json', authorization },
          body,
        })
        assert.equal(answer.status, 413, `${base}${path}`)
        assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/)
        assert.equal(JSON.parse(answer.body).status, 413, `${base}${path}`)
      }
    })

    check('asks for a login at Bull Board: 401 without, 200 with admin/admin', async () => {
      const board = `http://127.0.0.1:${PORTS.board}/`
      assert.equal((await fetch(board)).status, 401)
      const basic = `Basic ${Buffer.from('admin:admin').toString('base64')}`
      assert.equal((await fetch(board, { headers: { authorization: basic } })).status, 200)
    })

    check('stops Bull Board published beyond loopback with admin/admin, in one line', async () => {
      const { ok, output } = await project.attempt(
        ['run', '--rm', '--no-deps', '-T', 'bull-board'],
        {
          env: { SHOP_PUBLISH_ADDRESS: '0.0.0.0' },
        },
      )
      assert.equal(ok, false, `bull-board started with admin/admin on 0.0.0.0:\n${output}`)
      assert.equal(
        output.split('\n').filter((l) => l.includes('set BULL_BOARD_PASSWORD')).length,
        1,
      )
    })
  })

  describe(`... --scale order-worker=${WORKERS} --scale order-service=${ORDER_SERVICES}`, () => {
    check(`runs ${ORDER_SERVICES} order-services and ${WORKERS} workers, healthy`, async () => {
      await project.compose([
        ...UP,
        '--scale',
        `order-worker=${WORKERS}`,
        '--scale',
        `order-service=${ORDER_SERVICES}`,
      ])
      await assertAllHealthy(project, { orderServices: ORDER_SERVICES, workers: WORKERS })
    })

    check("spreads the gateway's requests over every order-service replica", async () => {
      const replicas = Array.from({ length: ORDER_SERVICES }, (_, i) => i + 1)
      const served = () => Promise.all(replicas.map((index) => ordersServed(project, index)))
      const before = await served()
      for (let i = 0; i < 20; i++) {
        const { response } = await client.GET('/orders', { params: { query: { limit: '1' } } })
        assert.equal(response.status, 200)
      }
      const after = (await served()).map((n, i) => n - (before[i] ?? 0))
      assert.ok(
        after.every((n) => n > 0),
        `GET /orders per replica: ${after}`,
      )
    })

    check('passes the system walkthrough test through the gateway', async () => {
      const { code, output } = await runSystemTest(
        'tests/system/walkthrough.test.ts',
        GATEWAY,
        ADMIN,
      )
      assert.equal(code, 0, output.split('\n').slice(-40).join('\n'))
      assert.ok(Number(/^# pass (\d+)$/m.exec(output)?.[1]) > 0, `no test passed:\n${output}`)
    })

    check('stays within every memory limit: no container restarted or OOM-killed', async () => {
      await assertNoneRestarted(project)
    })
  })

  describe('docker compose --profile observability up prometheus', () => {
    check('scrapes every replica, all up: a worker metric has a series per worker', async () => {
      await project.compose(['--profile', 'observability', 'up', '-d', '--wait', 'prometheus'])
      await assertLockedDown(project, { files: ['--profile', 'observability'] })
      const want = {
        'api-gateway': 1,
        'user-service': 1,
        'order-service': ORDER_SERVICES,
        'order-worker': WORKERS,
        'bull-board': 1,
        prometheus: 1,
      }
      await eventually(
        async () => ((await targetProblems(PROMETHEUS, want)).length === 0 ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 1000, what: 'every target up' },
      ).catch(async (error) => {
        throw new Error(`${error}: ${(await targetProblems(PROMETHEUS, want)).join('; ')}`)
      })
      await eventually(
        async () => {
          const n = await seriesCount(PROMETHEUS, 'orders_processed_total{job="order-worker"}')
          return n === WORKERS ? true : undefined
        },
        {
          timeoutMs: 60_000,
          intervalMs: 1000,
          what: `${WORKERS} series of orders_processed_total`,
        },
      )
      await project.compose(['--profile', 'observability', 'rm', '--stop', '--force', 'prometheus'])
      // `up` created every volume of the profile; a `down -v` without the profile leaves them.
      await project.docker(['volume', 'rm', 'shop-e2e_prometheus-data', 'shop-e2e_grafana-data'])
    })
  })

  describe('a process killed with SIGKILL', () => {
    check('the gateway: its container restarts it, healthy again', async () => {
      await crashAndRecover(project, 'api-gateway')
    })

    check('a worker: its container restarts it, healthy again', async () => {
      await crashAndRecover(project, 'order-worker')
    })

    check('afterwards every container is healthy and orders are processed', async () => {
      await assertAllHealthy(project, { orderServices: ORDER_SERVICES, workers: WORKERS })
      ;({ orderId, client, authorization } = await placeProcessedOrder(GATEWAY))
    })
  })

  describe('docker compose restart order-service', () => {
    check('restarts both replicas, healthy, still serving the order placed before', async () => {
      const since = Date.now()
      await project.compose(['restart', 'order-service'])
      await eventually(() => restartedSince(project, 'order-service', since), {
        timeoutMs: 120_000,
        intervalMs: 1000,
        what: 'every order-service replica restarted and healthy',
      })
      await orderProcessed(client, orderId)
    })
  })

  describe('docker compose down, then up --build', () => {
    check('keeps the order placed before', async () => {
      await project.compose(['down'])
      await project.compose(UP)
      await orderProcessed(client, orderId, 5_000)
    })
  })

  describe('docker compose -f docker-compose.yml -f docker-compose.dev.yml watch', () => {
    const listeningLines = async () =>
      (await project.compose(['logs', '--no-color', 'api-gateway'], { files: DEV_FILES }))
        .split('\n')
        .filter((l) => l.includes('Server listening at')).length

    check('runs the dev containers, healthy', async () => {
      watch = new ComposeWatch(project)
      await eventually(
        async () => {
          const rows = await project.services(DEV_FILES)
          const gateway = rows.find((r) => r.Service === 'api-gateway')
          assert.equal(gateway?.Image, 'distributed-shop/api-gateway:dev')
          await assertAllHealthy(project, { orderServices: 1, workers: 1 })
          return true
        },
        { timeoutMs: 600_000, intervalMs: 2000, what: `dev containers healthy; ${watch.tail(5)}` },
      )
      // Compose Watch copies the saved files into the Node services' root filesystems.
      await assertLockedDown(project, { files: DEV_FILES, writableRoot: new Set(NODE_SERVICES) })
    })

    check('copies a saved file into its container, whose process restarts', async () => {
      const marker = uniqueName('compose_watch')
      const before = await listeningLines()
      edit = await editSource(WATCHED_FILE, `// ${marker}`)
      const synced = () =>
        project
          .compose(['exec', '-T', 'api-gateway', 'grep', '-q', marker, `/repo/${WATCHED_FILE}`], {
            files: DEV_FILES,
          })
          .then(() => true)
      await eventually(synced, { timeoutMs: 60_000, intervalMs: 1000, what: 'the file synced' })
      await eventually(async () => ((await listeningLines()) > before ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 1000,
        what: 'the gateway restarted',
      })
      await eventually(async () => ((await fetch(`${GATEWAY}/readyz`)).ok ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 1000,
        what: 'the gateway ready again',
      })
      await edit.restore()
      await watch?.stop()
    })
  })

  describe('docker compose down -v', () => {
    check('leaves no volume of the project', async () => {
      await project.compose(['down', '-v'])
      assert.deepEqual(await project.volumes(), [])
    })
  })
})
