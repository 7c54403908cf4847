import { chmod, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createPool } from '@shop/platform'
import { ensureDatabase, startLocalPostgres, startLocalRedis } from '@shop/platform/local-infra'
import { ROOT } from './options.js'

export interface InfraOptions {
  dataDir: string
  postgresPort: number
  redisPort: number
  databaseUrl?: string
  redisUrl?: string
  say: (line: string) => void
}

export interface Infra {
  databaseUrl: string
  redisUrl: string
  stopRedis(): Promise<void>
  stopPostgres(): Promise<void>
}

const DATABASE = 'shop'

/** Creates the schemas every service expects; safe to repeat on every start. */
export async function applyInitSql(databaseUrl: string) {
  const sql = await readFile(join(ROOT, 'db', 'init.sql'), 'utf8')
  const pool = createPool({ url: databaseUrl, applicationName: 'stack-init', max: 1 })
  try {
    await pool.query(sql)
  } finally {
    await pool.end()
  }
}

/**
 * Redis first: it is the prerequisite most often missing, and it fails in milliseconds,
 * before PostgreSQL spends seconds starting for nothing.
 */
export async function startInfra(options: InfraOptions): Promise<Infra> {
  const { dataDir, say } = options
  let stopRedis = async () => {}
  let stopPostgres = async () => {}
  // Postgres runs as user `postgres` when the stack runs as root: it must reach its data.
  await mkdir(dataDir, { recursive: true })
  await chmod(dataDir, 0o755)
  try {
    let redisUrl = options.redisUrl
    if (redisUrl === undefined) {
      const dir = join(dataDir, 'redis')
      await mkdir(dir, { recursive: true })
      say(`starting redis-server on 127.0.0.1:${options.redisPort} (data in ${dir})`)
      const redis = await startLocalRedis({ port: options.redisPort, dir, persistent: true })
      redisUrl = redis.url
      stopRedis = () => redis.stop()
    }
    let databaseUrl = options.databaseUrl
    if (databaseUrl === undefined) {
      const dir = join(dataDir, 'postgres')
      say(`starting PostgreSQL on 127.0.0.1:${options.postgresPort} (data in ${dir})`)
      const postgres = await startLocalPostgres({ dataDir: dir, port: options.postgresPort })
      stopPostgres = () => postgres.stop()
      databaseUrl = await ensureDatabase(postgres.url, DATABASE)
    }
    await applyInitSql(databaseUrl)
    return { databaseUrl, redisUrl, stopRedis, stopPostgres }
  } catch (error) {
    await stopRedis().catch(() => {})
    await stopPostgres().catch(() => {})
    throw error
  }
}
