import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startLocalPostgres, startLocalRedis } from '@shop/local-infra'
import pg from 'pg'

export interface Stoppable {
  url: string
  stop(): Promise<void>
}

export function uniqueName(prefix: string) {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

export async function scratchDir(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  // Postgres runs as user `postgres` when the tests run as root: it must reach its data dir.
  await chmod(dir, 0o755)
  return dir
}

/** `given` (left running), else a throwaway embedded PostgreSQL on a free port. */
export async function startTestPostgres(given = process.env.TEST_DATABASE_URL): Promise<Stoppable> {
  if (given) return { url: given, stop: async () => {} }
  const dir = await scratchDir('shop-test-pg-')
  const server = await startLocalPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    ephemeral: true,
  })
  return {
    url: server.url,
    async stop() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** `given` (left running), else a throwaway `redis-server` on a free port. */
export async function startTestRedis(given = process.env.TEST_REDIS_URL): Promise<Stoppable> {
  if (given) return { url: given, stop: async () => {} }
  const dir = await scratchDir('shop-test-redis-')
  const server = await startLocalRedis({ port: await freePort(), dir })
  return {
    url: server.url,
    async stop() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A fresh database of its own for one suite, on the test PostgreSQL (or on the server `on`).
 * `stop()` drops it and, when this call started a server, stops that too.
 */
export async function createTestDatabase(on?: Pick<Stoppable, 'url'>): Promise<Stoppable> {
  const server = on ? { url: on.url, stop: async () => {} } : await startTestPostgres()
  const name = uniqueName('shop_test')
  const admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
  await admin.query(`create database ${admin.escapeIdentifier(name)}`)
  await admin.end()
  const url = new URL(server.url)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async stop() {
      const client = new pg.Client({ connectionString: server.url })
      await client.connect()
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`)
      await client.end()
      await server.stop()
    },
  }
}
