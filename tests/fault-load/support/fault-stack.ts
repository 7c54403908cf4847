/**
 * The native stack on a PostgreSQL and a Redis of its own, started here: the faults pause
 * and cut them, so they must never be servers another run or a developer shares.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDatabase, freePort, startLocalPostgres, startLocalRedis } from '@shop/local-infra'
import { freeStackPorts, type Stack, startStack } from '@shop/native-stack'

export interface FaultStack {
  stack: Stack
  stop(): Promise<void>
}

export async function startFaultStack(workers: number, env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'shop-fault-load-'))
  // PostgreSQL runs as user `postgres` when this runs as root: it must reach its data.
  await chmod(dir, 0o755)
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const postgres = await startLocalPostgres({
      dataDir: join(dir, 'postgres'),
      port: await freePort(),
      ephemeral: true,
    })
    stops.push(() => postgres.stop())
    const redis = await startLocalRedis({ port: await freePort(), dir })
    stops.push(() => redis.stop())
    const stack = await startStack({
      mode: 'source',
      ports: await freeStackPorts(workers),
      workers,
      dataDir: join(dir, 'stack'),
      databaseUrl: await ensureDatabase(postgres.url, 'shop'),
      redisUrl: redis.url,
      board: { user: 'board', password: randomBytes(9).toString('base64url'), defaulted: false },
      env,
      output: null,
    })
    stops.push(() => stack.stop())
    return { stack, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
