import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { freePort, startLocalPostgres } from '@shop/local-infra'
import pg from 'pg'
import { scratchDir } from './infra.js'

/**
 * A PostgreSQL of its own for a fault test, which pauses it, kills its connections and so on:
 * never the server shared by the suites running beside it.
 */
export interface FaultyPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string
  /** SIGSTOPs the postmaster and every process it started: nothing answers, nothing refuses. */
  pause(): Promise<void>
  /** SIGCONTs what `pause` stopped. */
  resume(): Promise<void>
  /** `pg_terminate_backend` on every client connection; resolves with how many it ended. */
  terminateConnections(): Promise<number>
  stop(): Promise<void>
}

async function postmasterPid(dataDir: string) {
  const [pid] = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')
  return Number(pid)
}

/** Processes whose parent is `parent`, read from /proc (Linux). */
async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[1]) === parent) children.push(Number(entry))
  }
  return children
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name)
  } catch (error) {
    // A backend that exited since it was listed has nothing left to pause.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

export async function startFaultyPostgres(): Promise<FaultyPostgres> {
  const dir = await scratchDir('shop-test-pg-faults-')
  const dataDir = join(dir, 'data')
  const server = await startLocalPostgres({ dataDir, port: await freePort(), ephemeral: true })
  const postmaster = await postmasterPid(dataDir)
  let paused: number[] = []

  const resume = async () => {
    for (const pid of paused) signal(pid, 'SIGCONT')
    paused = []
  }

  return {
    url: server.url,
    async pause() {
      // The postmaster first, so it forks nothing new while its children are listed.
      signal(postmaster, 'SIGSTOP')
      paused = [postmaster, ...(await childrenOf(postmaster))]
      for (const pid of paused.slice(1)) signal(pid, 'SIGSTOP')
    },
    resume,
    async terminateConnections() {
      const client = new pg.Client({ connectionString: server.url })
      await client.connect()
      try {
        const { rows } = await client.query(
          `select pg_terminate_backend(pid) as ended from pg_stat_activity
           where backend_type = 'client backend' and pid <> pg_backend_pid()`,
        )
        return rows.filter((row) => row.ended).length
      } finally {
        await client.end()
      }
    },
    async stop() {
      await resume()
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
