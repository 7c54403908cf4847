/**
 * The baseline's tree: the ref's commit checked out with `git worktree add --detach` under the
 * git-ignored `.bench-cache/trees/<commit>`, installed (`pnpm install --frozen-lockfile`) and
 * built by its own scripts on its own Node. A tree stays cached, so asking for the same commit
 * again costs nothing; the least recently used beyond the last few are removed.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PrerequisiteError } from '@shop/local-infra'
import { ROOT } from '@shop/native-stack'
import type { Side } from '../side.js'
import { fetchPackage, nodeBinary, wantedNodeVersion } from './runtime.js'

const git = promisify(execFile)

export const CACHE_DIR = join(ROOT, '.bench-cache')
const TREES = join(CACHE_DIR, 'trees')
const KEPT_TREES = 3

/** The commit `ref` names (a branch, a tag, `HEAD~3`, a commit). */
export async function resolveCommit(ref: string, root = ROOT) {
  try {
    const { stdout } = await git(
      'git',
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
      { cwd: root },
    )
    return stdout.trim()
  } catch {
    throw new PrerequisiteError(`--baseline ${ref}: git knows no commit by that name`)
  }
}

const KEPT_OUTPUT = 4_000

/**
 * The folder of a `pnpm` command running the version `root`'s `packageManager` pins, for a
 * tree that pins another than the one at hand: pnpm 11 and later neither read an older tree's
 * settings (its allowed install scripts among them) nor switch to an older pnpm here.
 */
async function pnpmFolder(root: string, say: (line: string) => void) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    packageManager?: string
  }
  const pinned = /^pnpm@(\d+\.\d+\.\d+)/.exec(manifest.packageManager ?? '')?.[1]
  const { stdout } = await git('pnpm', ['--version'])
  if (pinned === undefined || pinned === stdout.trim()) return undefined
  const dir = join(CACHE_DIR, 'pnpm', pinned)
  const shim = join(dir, 'shim')
  if (!existsSync(join(shim, 'pnpm'))) {
    await fetchPackage(`pnpm@${pinned}`, dir, say)
    await mkdir(shim, { recursive: true })
    const cli = join(dir, 'bin', 'pnpm.cjs')
    await writeFile(join(shim, 'pnpm'), `#!/bin/sh\nexec node "${cli}" "$@"\n`, { mode: 0o755 })
  }
  return shim
}

/** Runs `pnpm args` in `cwd` with `node` (and the tree's pnpm) first on PATH, output on stderr. */
function pnpm(cwd: string, node: string, args: string[], pnpmDir?: string) {
  return new Promise<void>((resolve, reject) => {
    const first = pnpmDir ? [pnpmDir, dirname(node)] : [dirname(node)]
    const env = {
      ...process.env,
      PATH: [...first, process.env.PATH ?? ''].join(delimiter),
      // A pnpm that runs the version pinned needs not switch.
      npm_config_manage_package_manager_versions: 'false',
    }
    const child = spawn('pnpm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const forward = (chunk: Buffer) => {
      process.stderr.write(chunk)
      output = (output + chunk.toString()).slice(-KEPT_OUTPUT)
    }
    child.stdout.on('data', forward)
    child.stderr.on('data', forward)
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new PnpmError(`pnpm ${args.join(' ')} exited with ${code}`, output)),
    )
  })
}

class PnpmError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message)
  }
}

/** `pnpm install --frozen-lockfile` and the tree's build, with the pnpm the tree pins. */
async function installAndBuild(root: string, node: string, say: (line: string) => void) {
  const pnpmDir = await pnpmFolder(root, say)
  await pnpm(root, node, ['install', '--frozen-lockfile'], pnpmDir)
  await buildTree(root, node, pnpmDir)
}

/** The tree's own build: its `build` script, or every package's for a tree without one. */
export function buildTree(root: string, node: string, pnpmDir?: string) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>
  }
  return manifest.scripts?.build
    ? pnpm(root, node, ['build'], pnpmDir)
    : pnpm(root, node, ['-r', '--if-present', 'build'], pnpmDir)
}

/** Worktrees other than the last few used are removed, and git forgets them. */
async function pruneTrees(keep: string) {
  const trees = existsSync(TREES)
    ? readdirSync(TREES)
        .filter((name) => /^[0-9a-f]{40}$/.test(name))
        .map((name) => ({ name, used: statSync(join(TREES, name)).mtimeMs }))
        .sort((a, b) => b.used - a.used)
    : []
  for (const { name } of trees.filter((t) => t.name !== keep).slice(KEPT_TREES - 1)) {
    await git('git', ['worktree', 'remove', '--force', join(TREES, name)], { cwd: ROOT }).catch(
      () => rm(join(TREES, name), { recursive: true, force: true }),
    )
    await rm(join(TREES, `${name}.ready`), { force: true })
  }
  await git('git', ['worktree', 'prune'], { cwd: ROOT })
}

/**
 * The baseline side for `ref`: its worktree, installed and built on the Node it asks for.
 * A tree whose install and build finished on that Node is reused as it is.
 */
export async function prepareBaseline(ref: string, say: (line: string) => void): Promise<Side> {
  const commit = await resolveCommit(ref)
  const dir = join(TREES, commit)
  const ready = join(TREES, `${commit}.ready`)
  await git('git', ['worktree', 'prune'], { cwd: ROOT })
  if (!existsSync(dir)) {
    say(`checking out ${ref} (${commit.slice(0, 12)}) into ${dir}`)
    await rm(ready, { force: true })
    await git('git', ['worktree', 'add', '--detach', dir, commit], { cwd: ROOT })
  }
  const { node, version } = await nodeBinary(wantedNodeVersion(dir), join(CACHE_DIR, 'node'), say)
  const stamp = `${commit} node ${version}\n`
  if (!existsSync(ready) || readFileSync(ready, 'utf8') !== stamp) {
    await rm(ready, { force: true })
    say(`installing and building ${ref} on Node ${version}`)
    await installAndBuild(dir, node, say)
    await writeFile(ready, stamp)
  } else {
    say(`reusing the built tree of ${ref} (${commit.slice(0, 12)}, Node ${version})`)
  }
  const now = new Date()
  utimesSync(dir, now, now)
  await pruneTrees(commit)
  const shown = /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 12) : ref
  return { name: `baseline ${shown}`, root: dir, node, nodeVersion: version, built: true, commit }
}
