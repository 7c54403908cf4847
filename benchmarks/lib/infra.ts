import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startLocalPostgres, startLocalRedis } from '@shop/platform/local-infra'
import type { Cleanup } from './cleanup.js'

async function scratchDir(cleanup: Cleanup, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  // PostgreSQL runs as user `postgres` when the benchmark runs as root: it must reach its data.
  await chmod(dir, 0o755)
  cleanup.tempDir(dir)
  return dir
}

/** DATABASE_URL when given (left as it was found), else a throwaway embedded PostgreSQL. */
export async function postgresFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.DATABASE_URL
  if (given) return given
  say('starting an embedded PostgreSQL on a free port')
  const dir = await scratchDir(cleanup, 'shop-bench-pg-')
  const server = await startLocalPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    ephemeral: true,
  })
  cleanup.add('PostgreSQL', async () => {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return server.url
}

/** REDIS_URL when given, else a throwaway redis-server. */
export async function redisFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.REDIS_URL
  if (given) return given
  say('starting redis-server on a free port')
  const dir = await scratchDir(cleanup, 'shop-bench-redis-')
  const server = await startLocalRedis({ port: await freePort(), dir })
  cleanup.add('redis-server', async () => {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return server.url
}
