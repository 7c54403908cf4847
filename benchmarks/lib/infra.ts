import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runSqlScript } from '@shop/local-infra'
import { applyInitSql } from '@shop/native-stack'
import { startTestPostgres, startTestRedis } from '@shop/test-kit'
import type { Cleanup } from './cleanup.js'
import { type Side, WORKING_TREE } from './side.js'

/** DATABASE_URL when given (left as it was found), else a throwaway embedded PostgreSQL. */
export async function postgresFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.DATABASE_URL
  if (!given) say('starting an embedded PostgreSQL on a free port')
  const server = await startTestPostgres(given)
  cleanup.add('PostgreSQL', () => server.stop())
  return server.url
}

/** REDIS_URL when given, else a throwaway redis-server. */
export async function redisFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.REDIS_URL
  if (!given) say('starting redis-server on a free port')
  const server = await startTestRedis(given)
  cleanup.add('redis-server', () => server.stop())
  return server.url
}

/**
 * The schemas `side`'s services migrate into: this checkout's `db/init.sql` as the stack
 * applies it, or the baseline tree's own (none when that tree has no such file).
 */
export async function initDatabaseFor(side: Side, databaseUrl: string) {
  if (side.root === WORKING_TREE.root) return applyInitSql(databaseUrl)
  const script = join(side.root, 'db', 'init.sql')
  if (existsSync(script)) await runSqlScript(databaseUrl, await readFile(script, 'utf8'))
}
