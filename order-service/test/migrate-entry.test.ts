import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createTestDatabase, type Stoppable } from '@shop/platform/testing'
import pg from 'pg'

const run = promisify(execFile)
const ENTRY = fileURLToPath(new URL('../src/migrate.ts', import.meta.url))

function migrate(env: NodeJS.ProcessEnv) {
  return run(process.execPath, ['--import', 'tsx', '--conditions=development', ENTRY], {
    env: { PATH: process.env.PATH, ...env },
    timeout: 60_000,
  })
}

describe('the migrate-only entry point (src/migrate.ts)', () => {
  let database: Stoppable
  before(async () => {
    database = await createTestDatabase()
  })
  after(() => database.stop())

  it('applies the orders schema and exits 0', async () => {
    await migrate({ DATABASE_URL: database.url })
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      const { rows } = await client.query(
        'select count(*)::int as applied from orders.__drizzle_migrations',
      )
      assert.ok(rows[0].applied > 0)
    } finally {
      await client.end()
    }
  })

  it('exits 1 with one line naming DATABASE_URL when it is not a postgres URL', async () => {
    await assert.rejects(
      migrate({ DATABASE_URL: 'mysql://x' }),
      (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1)
        assert.match(error.stderr ?? '', /^order-service migrate: .*DATABASE_URL/m)
        return true
      },
    )
  })
})
