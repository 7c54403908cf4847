import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, queryOnce, type Stoppable } from '@shop/test-kit'
import { migrateDatabase, migrationsFolder } from '../../src/db/migrate.js'

async function journalTags(): Promise<string[]> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, 'meta/_journal.json'), 'utf8'))
  return journal.entries.map((entry: { tag: string }) => entry.tag)
}

async function appliedMigrations(url: string) {
  return queryOnce<{ hash: string }>(url, 'select hash from users.__drizzle_migrations order by id')
}

describe('database migrations', () => {
  let database: Stoppable
  before(async () => {
    database = await createTestDatabase()
  })
  after(() => database.stop())

  it('succeed when two run at once on a fresh database, recording each migration once', async () => {
    await Promise.all([migrateDatabase(database.url), migrateDatabase(database.url)])
    const applied = await appliedMigrations(database.url)
    assert.equal(applied.length, (await journalTags()).length)
    assert.equal(new Set(applied.map((row) => row.hash)).size, applied.length)
    const tables = await queryOnce<{ table_name: string }>(
      database.url,
      "select table_name from information_schema.tables where table_schema = 'users' order by 1",
    )
    assert.deepEqual(
      tables.map((row) => row.table_name),
      ['__drizzle_migrations', 'idempotency_keys', 'users'],
    )
  })

  it('change nothing when run again on restart, keeping the data', async () => {
    await queryOnce(
      database.url,
      "insert into users.users (email, full_name) values ('k@e.io', 'K')",
    )
    const before = await appliedMigrations(database.url)
    await migrateDatabase(database.url)
    assert.deepEqual(await appliedMigrations(database.url), before)
    const rows = await queryOnce<{ email: string }>(database.url, 'select email from users.users')
    assert.deepEqual(rows, [{ email: 'k@e.io' }])
  })

  it('work when the schema already exists, as db/init.sql creates it', async () => {
    const other = await createTestDatabase()
    try {
      await queryOnce(other.url, 'create schema users')
      await migrateDatabase(other.url)
      assert.equal((await appliedMigrations(other.url)).length, (await journalTags()).length)
    } finally {
      await other.stop()
    }
  })

  it('enforce case-insensitive email uniqueness in the database itself', async () => {
    await assert.rejects(
      queryOnce(database.url, "insert into users.users (email, full_name) values ('K@E.IO', 'K2')"),
      (error: { code?: string }) => error.code === '23505',
    )
  })
})
