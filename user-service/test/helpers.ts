import { after, before } from 'node:test'
import { createPool } from '@shop/platform/postgres'
import { createTestDatabase, type Stoppable, testAuthEnv } from '@shop/test-kit'
import type { LightMyRequestResponse } from 'fastify'
import type pg from 'pg'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { migrateDatabase } from '../src/db/migrate.js'

export type App = Awaited<ReturnType<typeof buildApp>>

export interface TestService {
  app: App
  database: Stoppable
  /** Runs SQL directly against the suite's database, for arranging and checking state. */
  sql<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>
  stop(): Promise<void>
}

/** The service's config for tests: its database, quiet, trusting the test issuer's tokens. */
export async function testConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...(await testAuthEnv()),
    ...env,
  })
}

/** A migrated database of its own and an app built on it. */
export async function startUserService(): Promise<TestService> {
  const database = await createTestDatabase()
  await migrateDatabase(database.url)
  const app = await buildApp(await testConfig(database.url))
  // The platform's pool: its clients' errors are handled, as the database is dropped at the
  // suite's end while a client just ended may still be closing.
  const pool = createPool({ url: database.url, applicationName: 'users-test', max: 2 })
  return {
    app,
    database,
    async sql(text, values) {
      return (await pool.query(text, values)).rows
    },
    async stop() {
      await app.close()
      await pool.end()
      await database.stop()
    },
  }
}

/**
 * The suite's service, started before its first test and stopped after its last: call it in
 * the suite's body; what it returns reads the service once the tests run.
 */
export function useUserService(): TestService {
  let service: TestService | undefined
  before(async () => {
    service = await startUserService()
  })
  after(() => service?.stop())
  const started = () => {
    if (!service) throw new Error('read before the suite started')
    return service
  }
  return {
    get app() {
      return started().app
    },
    get database() {
      return started().database
    },
    sql: <Row extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      started().sql<Row>(text, values),
    stop: () => started().stop(),
  }
}

export function createUser(app: App, body: object, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/users', payload: body, headers })
}

/** A POST /users under an Idempotency-Key. */
export function createUserUnderKey(app: App, body: object, key: string) {
  return createUser(app, body, { 'idempotency-key': key })
}

/** Sends `payload` as the raw JSON text of a POST /users. */
export function postRaw(app: App, payload: string) {
  return app.inject({
    method: 'POST',
    url: '/users',
    headers: { 'content-type': 'application/json' },
    payload,
  })
}

export function assertProblem(res: LightMyRequestResponse, status: number) {
  if (res.statusCode !== status) {
    throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`)
  }
  const type = String(res.headers['content-type'])
  if (!type.startsWith('application/problem+json')) throw new Error(`not a problem: ${type}`)
  const body = res.json()
  if (body.status !== status) throw new Error(`problem status ${body.status} is not ${status}`)
  return body as { status: number; title: string; detail?: string; errors?: { field: string }[] }
}
