/**
 * The Node a tree runs on: the version its `.node-version` names, or the previous runtime
 * (Node 20) for a tree from before that file. A version other than the running one comes from
 * the npm registry's `node-<platform>-<arch>` package (its `bin/node` and nothing else),
 * unpacked once into the benchmarks' cache.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** What a tree without `.node-version` ran on. */
export const PREVIOUS_RUNTIME = '20'

/** `.node-version`'s version without a leading `v` (`24.22.3`, or a prefix such as `24`). */
export function parseNodeVersionFile(text: string) {
  const line = text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  const version = line?.trim().replace(/^v/, '') ?? ''
  if (!/^\d+(\.\d+){0,2}$/.test(version)) {
    throw new Error(`.node-version holds "${text.trim()}", not a Node version such as 24.22.3`)
  }
  return version
}

/** The version a tree asks for. */
export function wantedNodeVersion(root: string) {
  const file = join(root, '.node-version')
  return existsSync(file) ? parseNodeVersionFile(readFileSync(file, 'utf8')) : PREVIOUS_RUNTIME
}

/** Whether `version` (x.y.z) is `wanted`, a whole version or a prefix of one (`20`, `20.20`). */
export function matchesVersion(version: string, wanted: string) {
  return version === wanted || version.startsWith(`${wanted}.`)
}

function compareVersions(a: string, b: string) {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** The highest of `versions` that matches `wanted`, or undefined. */
export function highestMatching(versions: string[], wanted: string) {
  return versions
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && matchesVersion(v, wanted))
    .sort(compareVersions)
    .at(-1)
}

const PACKAGE = `node-${process.platform}-${process.arch}`

/** The newest published version matching `wanted`, or the newest one cached when offline. */
async function exactVersion(wanted: string, cacheDir: string) {
  if (/^\d+\.\d+\.\d+$/.test(wanted)) return wanted
  try {
    const { stdout } = await run('npm', ['view', `${PACKAGE}@${wanted}`, 'version', '--json'])
    const listed = JSON.parse(stdout) as string | string[]
    const found = highestMatching(Array.isArray(listed) ? listed : [listed], wanted)
    if (found) return found
  } catch (error) {
    const cached = existsSync(cacheDir) ? readdirSync(cacheDir) : []
    const found = highestMatching(cached, wanted)
    if (found) return found
    throw new Error(`could not ask npm for ${PACKAGE}@${wanted}: ${(error as Error).message}`)
  }
  throw new Error(`npm lists no ${PACKAGE} version matching ${wanted}`)
}

/**
 * Unpacks the npm registry's `spec` (`name@version`) into `dir`, with `npm pack`; moved into
 * place whole, so an interrupted fetch never leaves a half-written package.
 */
export async function fetchPackage(spec: string, dir: string, say: (line: string) => void) {
  say(`fetching ${spec} (npm pack)`)
  const parent = dirname(dir)
  await mkdir(parent, { recursive: true })
  const scratch = await mkdtemp(join(parent, '.fetch-'))
  try {
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', scratch, '--json'], {
      maxBuffer: 1 << 22,
    })
    const [packed] = JSON.parse(stdout) as { filename: string }[]
    if (!packed) throw new Error(`npm pack ${spec} packed nothing`)
    const unpacked = join(scratch, 'unpacked')
    await mkdir(unpacked)
    await run('tar', [
      '-xzf',
      join(scratch, packed.filename),
      '-C',
      unpacked,
      '--strip-components=1',
    ])
    await rm(dir, { recursive: true, force: true })
    await rename(unpacked, dir)
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/**
 * A `node` binary of the wanted version: this process's own when it matches, else one from
 * `<cacheDir>/<version>/bin/node`, fetched with `npm pack` the first time.
 */
export async function nodeBinary(wanted: string, cacheDir: string, say: (line: string) => void) {
  if (matchesVersion(process.versions.node, wanted)) {
    return { node: process.execPath, version: process.versions.node }
  }
  const version = await exactVersion(wanted, cacheDir)
  const dir = join(cacheDir, version)
  const node = join(dir, 'bin', 'node')
  if (!existsSync(node)) await fetchPackage(`${PACKAGE}@${version}`, dir, say)
  const { stdout } = await run(node, ['--version'])
  if (stdout.trim() !== `v${version}`) {
    throw new Error(`${node} reports ${stdout.trim()}, not v${version}`)
  }
  return { node, version }
}
