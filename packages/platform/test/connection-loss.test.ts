import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestDatabase, eventually, type Stoppable, suiteSetup } from '@shop/test-kit'
import pg from 'pg'
import { createServiceApp, type ServiceApp } from '../src/app.js'
import { postgres } from '../src/db.js'
import { drizzle, sql } from '../src/drizzle.js'

/** Terminates one backend from another connection, as `pg_terminate_backend` does for an admin. */
async function terminate(url: string, pid: number) {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query('select pg_terminate_backend($1)', [pid])
  } finally {
    await admin.end()
  }
}

describe('a PostgreSQL connection terminated inside a transaction', () => {
  let database: Stoppable
  let app: ServiceApp
  let backendPid: number | undefined
  let resume = () => {}

  suiteSetup(async (teardown) => {
    database = await createTestDatabase()
    teardown(() => database.stop())
    app = await createServiceApp({ name: 'test', logLevel: 'silent' })
    teardown(() => app.close())
    await app.register(postgres, { url: database.url, applicationName: 'connection-loss-test' })
    // Two statements in one transaction, with a pause between them for the test to cut in.
    app.post('/two-steps', async () => {
      const db = drizzle({ client: app.pool })
      await db.transaction(async (tx) => {
        const { rows } = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)
        backendPid = rows[0]?.pid
        await new Promise<void>((resolve) => {
          resume = resolve
        })
        await tx.execute(sql`select 1`)
      })
      return { done: true }
    })
  })

  it('answers 503, not 500, and the process carries on with a fresh connection', async () => {
    const answer = app.inject({ method: 'POST', url: '/two-steps' })
    const pid = await eventually(async () => backendPid, { what: 'the first statement' })
    await terminate(database.url, pid)
    // The termination reaches the idle, checked-out client as an 'error' event first.
    await new Promise((resolve) => setTimeout(resolve, 200))
    resume()
    const response = await answer
    assert.equal(response.statusCode, 503, response.body)
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/)

    backendPid = undefined
    const again = app.inject({ method: 'POST', url: '/two-steps' })
    await eventually(async () => backendPid, { what: 'a fresh connection' })
    resume()
    assert.equal((await again).statusCode, 200)
  })
})
