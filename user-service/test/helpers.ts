import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { createPool } from '@shop/platform/postgres'
import { createTestDatabase, type Stoppable, testAuthEnv, uniqueName } from '@shop/test-kit'
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

/** A password every test user may share: valid, and never what a test checks against. */
export const TEST_PASSWORD = 'test password 0123'

let keysDir: string | undefined
/** One key folder for the whole test process, removed when it exits. */
function testKeysDir() {
  if (keysDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'user-service-keys-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    keysDir = dir
  }
  return keysDir
}

/**
 * The service's config for tests: its database, quiet, its keys in a scratch folder, trusting
 * its own tokens and the test issuer's.
 */
export async function testConfig(databaseUrl: string, environment: NodeJS.ProcessEnv = {}) {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    AUTH_KEYS_DIR: testKeysDir(),
    ...(await testAuthEnv()),
    ...environment,
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

/** A POST /users; the body gets TEST_PASSWORD unless it names a password of its own. */
export function createUser(app: App, body: object, headers: Record<string, string> = {}) {
  const payload = { password: TEST_PASSWORD, ...body }
  return app.inject({ method: 'POST', url: '/users', payload, headers })
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

export interface SignedUp {
  id: number
  email: string
  token: string
  authorization: string
}

/** POST /tokens over HTTP: the raw answer. */
export function signIn(base: string, email: string, password: string) {
  return fetch(`${base}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
}

/** A token for `email`, signed in with `password`; fails on anything but 200. */
export async function tokenFor(base: string, email: string, password = TEST_PASSWORD) {
  const res = await signIn(base, email, password)
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** A new user with TEST_PASSWORD, signed in: POST /users then POST /tokens over HTTP. */
export async function signUp(base: string): Promise<SignedUp> {
  const email = `${uniqueName('user')}@example.com`
  const created = await fetch(`${base}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, full_name: 'Signed Up', password: TEST_PASSWORD }),
  })
  if (created.status !== 201) throw new Error(`sign-up: ${created.status} ${await created.text()}`)
  const { id } = (await created.json()) as { id: number }
  const signedIn = await signIn(base, email, TEST_PASSWORD)
  if (signedIn.status !== 200)
    throw new Error(`sign-in: ${signedIn.status} ${await signedIn.text()}`)
  const { access_token: token } = (await signedIn.json()) as { access_token: string }
  return { id, email, token, authorization: `Bearer ${token}` }
}
