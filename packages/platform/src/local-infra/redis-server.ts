import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { assertPortFree, PrerequisiteError } from './ports.js'

export interface LocalRedisOptions {
  port: number
  /** Data directory; with `persistent`, the append-only file lives here. */
  dir: string
  persistent?: boolean
  onLog?: (line: string) => void
}

export interface LocalRedis {
  url: string
  stop(): Promise<void>
}

const INSTALL_HINT =
  'redis-server not found: install Redis (apt-get install redis-server, brew install redis) or set REDIS_URL'

async function waitForPing(url: string, child: ChildProcess) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      probe.disconnect()
    }
  }
  throw new Error('redis-server did not answer PING within 10 s')
}

/** Spawns a `redis-server` bound to 127.0.0.1 with the settings BullMQ needs. */
export async function startLocalRedis({
  port,
  dir,
  persistent = false,
  onLog = () => {},
}: LocalRedisOptions): Promise<LocalRedis> {
  await assertPortFree(port, 'Redis')
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    persistent ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction',
  ]
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const spawned = once(child, 'spawn').then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new PrerequisiteError(INSTALL_HINT)
      throw error
    },
  )
  await spawned
  child.stdout?.on('data', (chunk: Buffer) => onLog(chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => onLog(chunk.toString()))
  const url = `redis://127.0.0.1:${port}`
  try {
    await waitForPing(url, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}
