/**
 * 5,000 orders through the gateway from 50 concurrent clients with 3 workers, while Redis is
 * paused (SIGSTOP) for 5 s, one worker is killed with SIGKILL meanwhile (the workers are first
 * frozen for 3 s, so it is killed busy), and every PostgreSQL connection is terminated once.
 * Every accepted order must end processed exactly once in effect, no replayed Idempotency-Key
 * may create a second order, and the workers' own processed counters must agree with the
 * database.
 *
 * Run with `pnpm fault-load` (CI runs it after `pnpm test`); it starts and stops everything.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createPool } from '@shop/platform/postgres'
import { signUp, suiteSetup } from '@shop/test-kit'
import { type FaultStack, startFaultStack } from './support/fault-stack.js'
import {
  frozen,
  paused,
  processedCount,
  redisPid,
  settledProcessedCount,
  terminateConnections,
} from './support/faults.js'
import { type LoadCustomer, type LoadTally, replayAll, runLoad } from './support/load-clients.js'

const ORDERS = 5_000
const CLIENTS = 50
const WORKERS = 3
const REDIS_PAUSE_MS = 5_000
const LOAD_TIMEOUT_MS = 360_000
const SETTLE_TIMEOUT_MS = 240_000

const ENV = {
  LOG_LEVEL: 'warn',
  PROCESSING_DELAY_MS: '20',
  // Longer than the Redis pause, so only the killed worker's jobs stall; short enough that
  // they come back within seconds rather than BullMQ's default 30 s.
  WORKER_LOCK_DURATION_MS: '12000',
  WORKER_STALLED_INTERVAL_MS: '2000',
  OUTBOX_SWEEP_INTERVAL_MS: '2000',
  // 5,000 orders and 20 sign-ups from one address: far over the gateway's default limits.
  RATE_LIMIT_MAX: '1000000',
  RATE_LIMIT_CREDENTIALS_MAX: '1000000',
}

const elapsed = (since: number) => Math.round((Date.now() - since) / 100) / 10

interface Figures {
  seconds: number
  accepted: number
  refused: Record<string, number>
  replays: number
  processed: number
  statuses: Record<string, number>
  counters: number[]
  killedWorkerCount: number
  restartedWorkerCount: number
  connectionsTerminated: number
}

describe(`${ORDERS} orders through the gateway while a worker, Redis and PostgreSQL fail`, () => {
  let running: FaultStack
  let tally: LoadTally
  let finalReplay: Awaited<ReturnType<typeof replayAll>>
  let figures: Figures
  let db: ReturnType<typeof createPool>
  const runId = `fault-${randomBytes(4).toString('hex')}`

  async function statusCounts() {
    const { rows } = await db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from orders.orders group by status',
    )
    return Object.fromEntries(rows.map((row) => [row.status, row.n]))
  }

  async function settled() {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS
    for (;;) {
      const counts = await statusCounts()
      if (!counts.pending && !counts.processing) return counts
      if (Date.now() > deadline) throw new Error(`orders still open: ${JSON.stringify(counts)}`)
      await sleep(500)
    }
  }

  suiteSetup(
    async (teardown) => {
      const started = Date.now()
      running = await startFaultStack(WORKERS, ENV)
      teardown(() => running.stop())
      const { stack } = running
      db = createPool({ url: stack.databaseUrl, applicationName: 'fault-load-check', max: 2 })
      teardown(() => db.end())
      // A customer per simulated client, each signed up and in with a token of their own.
      const customers: LoadCustomer[] = []
      while (customers.length < CLIENTS) {
        const batch = Array.from({ length: 5 }, () => signUp(stack.urls.gateway))
        for (const { id, authorization } of await Promise.all(batch)) {
          customers.push({ id, authorization })
        }
      }

      const [killedWorker = '', ...survivors] = stack.urls.metrics.workers
      let killedWorkerCount = 0
      /**
       * The workers are frozen for a moment so a backlog builds, and Redis is paused once
       * worker-1 is busy with it. While Redis is paused no job can be taken or completed, so
       * worker-1's count settles and reading it just before the kill loses nothing it did.
       * By then each job it ran has sent its completion, which Redis, once resumed, may still
       * carry out from the dead connection: whether any job is left to stall is up to timing,
       * so stall recovery itself is proven by tests/system/worker-crash.test.ts, not here.
       */
      const killWorkerWhileBusy = async () => {
        const pids = stack.processes.filter((p) => p.name.startsWith('worker-')).map((p) => p.pid)
        const before = (await processedCount(killedWorker)) ?? 0
        const redis = await redisPid(stack.redisUrl)
        await frozen(pids as number[], 3_000)
        const deadline = Date.now() + 20_000
        while (((await processedCount(killedWorker)) ?? 0) <= before && Date.now() < deadline) {
          await sleep(10)
        }
        await paused(redis, REDIS_PAUSE_MS, async () => {
          killedWorkerCount = await settledProcessedCount(killedWorker)
          stack.killProcess('worker-1', 'SIGKILL')
        })
      }
      let connectionsTerminated = 0
      const faults: Promise<unknown>[] = []
      const loadStarted = Date.now()
      tally = await runLoad({
        gateway: stack.urls.gateway,
        customers,
        orders: ORDERS,
        clients: CLIENTS,
        runId,
        replayShare: 0.05,
        deadline: Date.now() + LOAD_TIMEOUT_MS,
        onAccepted(accepted) {
          if (accepted % 500 === 0) {
            process.stderr.write(`# ${accepted} orders accepted after ${elapsed(loadStarted)} s\n`)
          }
          if (accepted === 1_000) faults.push(killWorkerWhileBusy())
          if (accepted === 2_500) {
            faults.push(
              terminateConnections(stack.databaseUrl).then((n) => {
                connectionsTerminated = n
              }),
            )
          }
        },
      })
      await Promise.all(faults)
      const loadSeconds = elapsed(loadStarted)
      finalReplay = await replayAll({ gateway: stack.urls.gateway, runId, customers }, tally)
      const statuses = await settled()
      const counters = await Promise.all(survivors.map(processedCount))
      // A supervisor may have restarted worker-1: its new process counts from zero.
      const restartedWorkerCount = (await processedCount(killedWorker)) ?? 0
      figures = {
        seconds: elapsed(started),
        accepted: tally.accepted.size,
        refused: Object.fromEntries(tally.refused),
        replays: tally.replays + tally.accepted.size,
        processed: statuses.processed ?? 0,
        statuses,
        counters: counters.map((n) => n ?? Number.NaN),
        killedWorkerCount,
        restartedWorkerCount,
        connectionsTerminated,
      }
      process.stdout.write(
        `# fault-load: ${JSON.stringify({ loadSeconds, ...figures, replayAnswers: Object.fromEntries(finalReplay.answered) })}\n`,
      )
    },
    { timeout: 600_000 },
  )

  it('injected every fault: a worker killed, Redis paused, connections terminated', () => {
    const worker1 = running.stack.processes.find((p) => p.name === 'worker-1')
    assert.ok(worker1?.exit === 'SIGKILL' || worker1?.running, 'worker-1 was killed')
    assert.ok(figures.connectionsTerminated > 0, 'PostgreSQL connections were terminated')
  })

  it('keeps every process but the killed worker running', () => {
    const exited = running.stack.processes.filter((p) => !p.running && p.name !== 'worker-1')
    const report = exited.map(
      (p) => `${p.name} (${p.exit}): ${running.stack.logs(p.name).slice(-20).join('\n')}`,
    )
    assert.deepEqual(report, [])
  })

  it('answers every attempt with 201 or a refusal saying to retry, never a 500', () => {
    const unexpected = Object.keys(figures.refused).filter(
      (status) => !['409', '502', '503', '504'].includes(status),
    )
    assert.deepEqual(unexpected, [], `answers: ${JSON.stringify(figures.refused)}`)
  })

  it('accepts every order in the end, each under one order id', () => {
    assert.deepEqual(tally.abandoned, [])
    assert.equal(tally.accepted.size, ORDERS)
    assert.equal(new Set(tally.accepted.values()).size, ORDERS)
  })

  it('never creates a second order for a replayed Idempotency-Key', async () => {
    assert.deepEqual(tally.replayMismatches, [])
    assert.deepEqual(finalReplay.mismatches, [])
    const { rows } = await db.query<{ orders: number; items: number; keys: number; open: number }>(
      `select (select count(*)::int from orders.orders) as orders,
              (select count(distinct item)::int from orders.orders) as items,
              (select count(*)::int from orders.idempotency_keys) as keys,
              (select count(*)::int from orders.idempotency_keys where status_code is null) as open`,
    )
    assert.deepEqual(rows[0], { orders: ORDERS, items: ORDERS, keys: ORDERS, open: 0 })
  })

  it('ends every accepted order processed, and no order that was not accepted exists', async () => {
    const { rows } = await db.query<{ id: number; status: string; processed_at: Date | null }>(
      'select id, status, processed_at from orders.orders order by id',
    )
    const accepted = [...tally.accepted.values()].sort((a, b) => a - b)
    assert.deepEqual(
      rows.map((row) => row.id),
      accepted,
    )
    assert.deepEqual(
      rows.filter((row) => row.status !== 'processed' || row.processed_at === null),
      [],
    )
  })

  it("counts each processed order once in the workers' own counters", () => {
    const { counters, killedWorkerCount, restartedWorkerCount, processed } = figures
    const total = counters.reduce((sum, n) => sum + n, killedWorkerCount + restartedWorkerCount)
    assert.equal(total, processed, `counters ${JSON.stringify(figures)}`)
    assert.equal(processed, ORDERS)
  })
})
