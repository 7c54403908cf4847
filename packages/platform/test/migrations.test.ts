import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createTestDatabase, queryOnce, type Stoppable, suiteSetup } from '@shop/test-kit'
import { runMigrations } from '../src/db.js'

/** A drizzle-kit style migrations folder: `meta/_journal.json` plus one SQL file per entry. */
async function migrationsFolder(root: string, schema: string, statements: string[]) {
  const folder = join(root, schema)
  await mkdir(join(folder, 'meta'), { recursive: true })
  const entries = statements.map((_, idx) => ({
    idx,
    version: '7',
    when: 1_700_000_000_000 + idx,
    tag: `000${idx}_step`,
    breakpoints: true,
  }))
  await writeFile(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries }),
  )
  for (const [idx, sql] of statements.entries()) {
    await writeFile(join(folder, `000${idx}_step.sql`), sql)
  }
  return folder
}

describe('runMigrations', () => {
  let database: Stoppable
  let root: string
  let shop: { schema: string; folder: string }[]

  suiteSetup(async (teardown) => {
    database = await createTestDatabase()
    teardown(() => database.stop())
    root = await mkdtemp(join(tmpdir(), 'shop-migrations-'))
    teardown(() => rm(root, { recursive: true, force: true }))
    // Two services with the same migration tags: one shared journal would skip the second.
    shop = [
      {
        schema: 'alpha',
        folder: await migrationsFolder(root, 'alpha', [
          'CREATE SCHEMA IF NOT EXISTS "alpha";\n--> statement-breakpoint\nCREATE TABLE "alpha"."things" ("id" integer PRIMARY KEY);',
          'ALTER TABLE "alpha"."things" ADD COLUMN "name" text;',
        ]),
      },
      {
        schema: 'beta',
        folder: await migrationsFolder(root, 'beta', [
          'CREATE SCHEMA IF NOT EXISTS "beta";\n--> statement-breakpoint\nCREATE TABLE "beta"."things" ("id" integer PRIMARY KEY);',
          'ALTER TABLE "beta"."things" ADD COLUMN "name" text;',
        ]),
      },
    ]
  })

  it('lets two services and two replicas of each migrate one database at once', async () => {
    await Promise.all(
      [...shop, ...shop].map(({ schema, folder }) =>
        runMigrations({ url: database.url, schema, migrationsFolder: folder }),
      ),
    )
    for (const { schema } of shop) {
      const journal = await queryOnce<{ n: number }>(
        database.url,
        `select count(*)::int as n from "${schema}".__drizzle_migrations`,
      )
      assert.deepEqual(journal, [{ n: 2 }], `${schema} keeps its own journal, each step once`)
      const columns = await queryOnce<{ column_name: string }>(
        database.url,
        `select column_name from information_schema.columns
         where table_schema = '${schema}' and table_name = 'things' order by ordinal_position`,
      )
      assert.deepEqual(
        columns.map((row) => row.column_name),
        ['id', 'name'],
      )
    }
  })

  it('applies nothing twice when run again', async () => {
    const [alpha] = shop
    assert.ok(alpha)
    await runMigrations({ url: database.url, schema: alpha.schema, migrationsFolder: alpha.folder })
    const journal = await queryOnce<{ n: number }>(
      database.url,
      'select count(*)::int as n from alpha.__drizzle_migrations',
    )
    assert.deepEqual(journal, [{ n: 2 }])
  })
})
