/** Faults injected for real: a process paused or killed, every database connection cut. */
import { setTimeout as sleep } from 'node:timers/promises'
import { createPool } from '@shop/platform/postgres'
import { createFailFastRedis } from '@shop/platform/redis'

/** The pid of the redis-server behind `url`, as it reports it itself. */
export async function redisPid(url: string): Promise<number> {
  const redis = createFailFastRedis(url, { lazyConnect: true })
  try {
    await redis.connect()
    const info = await redis.info('server')
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1])
    if (!(pid > 0)) throw new Error(`no process_id in INFO from ${url}`)
    return pid
  } finally {
    redis.disconnect()
  }
}

/**
 * Freezes a process with SIGSTOP (its sockets stay open, nothing answers) until `whilePaused`
 * has run and `ms` have passed, then lets it go on with SIGCONT, whatever happens meanwhile.
 */
export async function paused<T>(pid: number, ms: number, whilePaused: () => Promise<T>) {
  const resumeAt = Date.now() + ms
  process.kill(pid, 'SIGSTOP')
  try {
    const result = await whilePaused()
    await sleep(Math.max(0, resumeAt - Date.now()))
    return result
  } finally {
    process.kill(pid, 'SIGCONT')
  }
}

/** Freezes processes with SIGSTOP for `ms`, then lets them go on with SIGCONT. */
export async function frozen(pids: number[], ms: number) {
  for (const pid of pids) process.kill(pid, 'SIGSTOP')
  try {
    await sleep(ms)
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT')
  }
}

/** Terminates every other connection to the database behind `url`; returns how many. */
export async function terminateConnections(url: string): Promise<number> {
  const pool = createPool({ url, applicationName: 'fault-load', max: 1 })
  try {
    const { rows } = await pool.query<{ terminated: number }>(
      // Materialized first: in one WHERE clause PostgreSQL may call pg_terminate_backend
      // before it has excluded this very connection.
      `with others as materialized (
         select pid from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid())
       select count(*)::int as terminated from others where pg_terminate_backend(pid)`,
    )
    return rows[0]?.terminated ?? 0
  } finally {
    await pool.end()
  }
}

/**
 * `orders_processed_total` from a worker's metrics listener, or undefined when it does not
 * answer.
 */
export async function processedCount(metricsUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    const text = await response.text()
    const line = text.split('\n').find((l) => l.startsWith('orders_processed_total '))
    return line === undefined ? undefined : Number(line.split(' ')[1])
  } catch {
    return undefined
  }
}

/**
 * A worker's count once it has stopped changing: while Redis is paused a worker finishes the
 * jobs in its hands and can take no other, so two equal readings apart mean it is idle.
 */
export async function settledProcessedCount(metricsUrl: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  let last = await processedCount(metricsUrl)
  while (Date.now() < deadline) {
    await sleep(500)
    const now = await processedCount(metricsUrl)
    if (now !== undefined && now === last) return now
    last = now
  }
  throw new Error(`${metricsUrl} kept processing for ${timeoutMs} ms while Redis was paused`)
}
