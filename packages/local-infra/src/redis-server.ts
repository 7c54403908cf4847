import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { stopLeftover } from './pid-file.js'
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

/** One PING over a fresh connection; ioredis would weigh on the supervisor's memory. */
function ping(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (chunk: Buffer) => done(chunk.toString().startsWith('+PONG')))
  })
}

async function waitForPing(port: number, child: ChildProcess) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    if (await ping(port)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('redis-server did not answer PING within 10 s')
}

/** The redis-server a previous run killed outright left on this data folder. */
export function stopLeftoverRedis(dir: string) {
  return stopLeftover(join(dir, 'redis.pid'), 'redis-server', 'SIGTERM')
}

/** Spawns a `redis-server` bound to 127.0.0.1 with the settings BullMQ needs. */
export async function startLocalRedis({
  port,
  dir,
  persistent = false,
  onLog = () => {},
}: LocalRedisOptions): Promise<LocalRedis> {
  await stopLeftoverRedis(dir)
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
    '--pidfile',
    join(dir, 'redis.pid'),
  ]
  // A process group of its own: a terminal's Ctrl-C reaches the caller, which stops Redis
  // after whatever uses it.
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
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
    await waitForPing(port, child)
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
