/**
 * PostgreSQL paused (every process SIGSTOPped: connections neither answer nor fail) and
 * PostgreSQL dropping every connection, on a server of this suite's own, over real HTTP.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  ANSWER_DEADLINE_MS,
  asAdmin,
  assertUnavailable,
  createTestDatabase,
  eventually,
  type FaultyPostgres,
  fetchAnswer,
  listenOnLoopback,
  type Stoppable,
  startFaultyPostgres,
  untilReady,
} from '@shop/test-kit'
import { buildApp } from '../src/app.js'
import { migrateDatabase } from '../src/db/migrate.js'
import { type App, TEST_PASSWORD, testConfig } from './helpers.js'

describe('user-service when PostgreSQL hangs or drops its connections', () => {
  let postgres: FaultyPostgres
  let database: Stoppable
  let app: App
  let base: string
  let userId: number
  let admin: Record<string, string>

  const createUser = (email: string) =>
    fetchAnswer(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, full_name: 'Outage Tester', password: TEST_PASSWORD }),
    })

  before(async () => {
    postgres = await startFaultyPostgres()
    database = await createTestDatabase(postgres)
    await migrateDatabase(database.url)
    app = await buildApp(await testConfig(database.url))
    admin = await asAdmin()
    base = await listenOnLoopback(app)
    const created = await createUser('outage@example.com')
    assert.equal(created.status, 201)
    userId = Number(created.body.id)
  })
  after(async () => {
    await postgres?.resume()
    await app?.close()
    await database?.stop()
    await postgres?.stop()
  })

  for (const round of [1, 2]) {
    it(`answers 503 naming postgres while it is paused, then serves again once it resumes (round ${round})`, async () => {
      assert.equal((await fetchAnswer(`${base}/users/${userId}`, { headers: admin })).status, 200)
      await postgres.pause()
      try {
        // More requests than the pool holds connections: the queued ones need a bound too.
        const answers = await Promise.all(
          Array.from({ length: 15 }, () =>
            fetchAnswer(`${base}/users/${userId}`, { headers: admin }),
          ),
        )
        for (const answer of answers) assertUnavailable(answer, 'postgres')
        assertUnavailable(await createUser(`paused-${round}@example.com`), 'postgres')
        assertUnavailable(await fetchAnswer(`${base}/users`, { headers: admin }), 'postgres')
        assertUnavailable(await fetchAnswer(`${base}/readyz`), 'postgres')
      } finally {
        await postgres.resume()
      }
      await untilReady(base, '/readyz 200 after PostgreSQL resumed')
      const user = await fetchAnswer(`${base}/users/${userId}`, { headers: admin })
      assert.equal(user.status, 200)
      assert.equal((await createUser(`resumed-${round}@example.com`)).status, 201)
      // Nothing attempted while paused was committed behind the client's back.
      const list = await fetchAnswer(`${base}/users?limit=1000`, { headers: admin })
      const emails = (list.body as unknown as { email: string }[]).map((u) => u.email)
      assert.ok(!emails.includes(`paused-${round}@example.com`), emails.join(', '))
    })
  }

  it('answers 503 or serves when every connection is terminated, and serves again without a restart', async () => {
    // Fill the pool with connections to terminate.
    const warm = await Promise.all(
      Array.from({ length: 10 }, () => fetchAnswer(`${base}/users/${userId}`, { headers: admin })),
    )
    assert.deepEqual(
      warm.map((a) => a.status),
      Array(10).fill(200),
    )
    assert.ok((await postgres.terminateConnections()) > 0, 'connections were terminated')
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => fetchAnswer(`${base}/users/${userId}`, { headers: admin })),
    )
    for (const answer of answers) {
      if (answer.status !== 200) assertUnavailable(answer, 'postgres')
    }
    await eventually(
      async () =>
        (await fetchAnswer(`${base}/users/${userId}`, { headers: admin })).status === 200
          ? true
          : undefined,
      { timeoutMs: ANSWER_DEADLINE_MS, what: 'GET /users/:id 200 after the connections ended' },
    )
    assert.equal((await createUser('after-terminate@example.com')).status, 201)
    assert.equal((await fetchAnswer(`${base}/readyz`)).status, 200)
  })
})
