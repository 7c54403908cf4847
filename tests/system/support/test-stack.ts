import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeStackPorts, type Stack, startStack } from '@shop/native-stack'
import { createTestDatabase, startTestRedis, uniqueName } from '@shop/test-kit'
import { publishDocument } from './conformance.js'
import { type StackDocuments, stackDocuments } from './documents.js'

export interface TestStackOptions {
  workers?: number
  /** Extra variables for every process (e.g. shorter BullMQ lock timings). */
  env?: Record<string, string>
}

export interface TestStack {
  stack: Stack
  queueName: string
  board: { user: string; password: string }
  /** The bootstrap admin, as SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD gave it. */
  admin: { email: string; password: string }
  /** The OpenAPI documents it publishes; every answer from it is checked against them. */
  documents: StackDocuments
  stop(): Promise<void>
}

/**
 * Every suite sends its requests from one address, many more than the gateway's defaults
 * allow; gateway-contract.test.ts sets its own to see the 429s.
 */
const RAISED_RATE_LIMITS = { RATE_LIMIT_MAX: '1000000', RATE_LIMIT_CREDENTIALS_MAX: '1000000' }

/**
 * The native stack from the TypeScript sources, on free ports, with a database of its own
 * on the test PostgreSQL and a queue of its own on the test Redis: suites never share data.
 * Answers from the gateway and the services are checked against their published documents.
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
  const admin = {
    email: `${uniqueName('admin')}@example.com`,
    password: randomBytes(18).toString('base64url'),
  }
  const cleanUp = async () => {
    await redis.stop()
    await database.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    const stack = await startStack({
      mode: 'source',
      ports: await freeStackPorts(workers),
      workers,
      dataDir,
      databaseUrl: database.url,
      redisUrl: redis.url,
      board: { ...board, defaulted: false },
      env: {
        ORDER_QUEUE_NAME: queueName,
        ...RAISED_RATE_LIMITS,
        SHOP_ADMIN_EMAIL: admin.email,
        SHOP_ADMIN_PASSWORD: admin.password,
        ...env,
      },
      output: null,
    })
    let documents: StackDocuments
    try {
      documents = await stackDocuments(stack.urls)
    } catch (error) {
      await stack.stop()
      throw error
    }
    for (const [name, url] of [
      ['api-gateway', stack.urls.gateway],
      ['user-service', stack.urls.userService],
      ['order-service', stack.urls.orderService],
    ] as const) {
      publishDocument(url, name, documents[name])
    }
    return {
      stack,
      queueName,
      board,
      admin,
      documents,
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
