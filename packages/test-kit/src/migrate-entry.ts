import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { createTestDatabase, type Stoppable } from './infra.js'

const run = promisify(execFile)

/** Runs `text` on a connection of its own, closed after. */
export async function queryOnce<Row extends pg.QueryResultRow>(url: string, text: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<Row>(text)).rows
  } finally {
    await client.end()
  }
}

export interface MigrateEntryPoint {
  /** The service's `src/migrate.ts`. */
  entry: URL
  /** The PostgreSQL schema its migrations build. */
  schema: string
  /** The name its messages start with, e.g. `user-service migrate`. */
  name: string
}

/** The tests every service's migrate-only entry point must pass, run as its Job runs it. */
export function testMigrateEntryPoint({ entry, schema, name }: MigrateEntryPoint) {
  const migrate = (env: NodeJS.ProcessEnv) =>
    run(process.execPath, ['--import', 'tsx', '--conditions=development', fileURLToPath(entry)], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    })

  describe('the migrate-only entry point (src/migrate.ts)', () => {
    let database: Stoppable
    before(async () => {
      database = await createTestDatabase()
    })
    after(() => database.stop())

    it(`applies the ${schema} schema and exits 0`, async () => {
      await migrate({ DATABASE_URL: database.url })
      const [row] = await queryOnce<{ applied: number }>(
        database.url,
        `select count(*)::int as applied from ${schema}.__drizzle_migrations`,
      )
      assert.ok((row?.applied ?? 0) > 0)
    })

    it('exits 1 with one line naming DATABASE_URL when it is not a postgres URL', async () => {
      await assert.rejects(
        migrate({ DATABASE_URL: 'mysql://x' }),
        (error: { code?: number; stderr?: string }) => {
          assert.equal(error.code, 1)
          assert.match(error.stderr ?? '', new RegExp(`^${name}: .*DATABASE_URL`, 'm'))
          return true
        },
      )
    })
  })
}
