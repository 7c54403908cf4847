import { execFile } from 'node:child_process'
import { chmod, mkdir } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { promisify } from 'node:util'
import { startLocalPostgres, startLocalRedis } from '@shop/local-infra'
import { TSX_LOADER } from './processes.js'

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
const run = promisify(execFile)

/**
 * Creates the database (on an embedded server) and the schemas every service expects; safe
 * to repeat on every start. Runs init-database in a short-lived process (see there why).
 */
async function initDatabase(url: string, database?: string) {
  const script = join(import.meta.dirname, `init-database${extname(import.meta.filename)}`)
  const loader = script.endsWith('.ts') ? ['--import', TSX_LOADER, '--conditions=development'] : []
  try {
    const { stdout } = await run(process.execPath, [
      ...loader,
      script,
      url,
      ...(database ? [database] : []),
    ])
    return stdout.trim()
  } catch (error) {
    const { stderr } = error as { stderr?: string }
    throw new Error(`could not prepare the database: ${stderr?.trim() || (error as Error).message}`)
  }
}

/** Creates the schemas every service expects on a server of your own; safe to repeat. */
export async function applyInitSql(databaseUrl: string) {
  await initDatabase(databaseUrl)
}

/**
 * Redis first: it is the prerequisite most often missing, and it fails in milliseconds,
 * before PostgreSQL spends seconds starting for nothing. A failure stops what had started.
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
      say(`starting PostgreSQL on 127.0.0.1:${options.postgresPort}`)
      const postgres = await startLocalPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: options.postgresPort,
      })
      stopPostgres = () => postgres.stop()
      say(`PostgreSQL is up (data in ${postgres.dataDir})`)
      databaseUrl = await initDatabase(postgres.url, DATABASE)
    } else {
      await applyInitSql(databaseUrl)
    }
    return { databaseUrl, redisUrl, stopRedis, stopPostgres }
  } catch (error) {
    await stopRedis().catch(() => {})
    await stopPostgres().catch(() => {})
    throw error
  }
}
