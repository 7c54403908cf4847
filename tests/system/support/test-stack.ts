import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertPortFree, freePort } from '@shop/platform/local-infra'
import { createTestDatabase, startTestRedis, uniqueName } from '@shop/platform/testing'
import { type Stack, type StackPorts, startStack } from '../../../scripts/stack/index.js'

export interface TestStackOptions {
  workers?: number
  /** Extra variables for every process (e.g. shorter BullMQ lock timings). */
  env?: Record<string, string>
}

export interface TestStack {
  stack: Stack
  queueName: string
  board: { user: string; password: string }
  stop(): Promise<void>
}

/** `count` consecutive free ports (the workers' health ports follow one another). */
async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const first = await freePort()
    if (first + count - 1 > 65_535) continue
    try {
      for (let port = first + 1; port < first + count; port++) await assertPortFree(port, 'worker')
      return first
    } catch {
      // One of the following ports is taken: draw again.
    }
  }
}

async function freePorts(workers: number): Promise<StackPorts> {
  return {
    firstWorker: await freePortRun(workers),
    postgres: await freePort(),
    redis: await freePort(),
    userService: await freePort(),
    orderService: await freePort(),
    board: await freePort(),
    gateway: await freePort(),
  }
}

/**
 * The native stack from the TypeScript sources, on free ports, with a database of its own
 * on the test PostgreSQL and a queue of its own on the test Redis: suites never share data.
 */
export async function startTestStack({
  workers = 1,
  env = {},
}: TestStackOptions = {}): Promise<TestStack> {
  const database = await createTestDatabase()
  const redis = await startTestRedis()
  const dataDir = await mkdtemp(join(tmpdir(), 'shop-system-'))
  const queueName = uniqueName('orders')
  const board = { user: 'board', password: randomBytes(9).toString('base64url') }
  const cleanUp = async () => {
    await redis.stop()
    await database.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    const stack = await startStack({
      mode: 'source',
      ports: await freePorts(workers),
      workers,
      dataDir,
      databaseUrl: database.url,
      redisUrl: redis.url,
      board: { ...board, defaulted: false },
      env: { ORDER_QUEUE_NAME: queueName, ...env },
      output: null,
    })
    return {
      stack,
      queueName,
      board,
      async stop() {
        await stack.stop()
        await cleanUp()
      },
    }
  } catch (error) {
    await cleanUp()
    throw error
  }
}
