/**
 * `pnpm stack` as root from a clone in a folder other users cannot enter (`mktemp -d` is
 * mode 0700, as is /root). PostgreSQL runs as user `postgres`, which cannot reach the
 * binaries in node_modules nor a data folder there: both go under /var/tmp instead.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { commandLine, OUTSIDE_ROOT, outsideDataDir } from '@shop/local-infra'
import { ROOT } from '@shop/native-stack'
import { suiteSetup } from '@shop/test-kit'
import {
  portsInUse,
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
  untilReady,
} from './support/stack-command.js'

const run = promisify(execFile)
const LEFT_OUT = new Set(['.git', '.data', '.artifacts'])

/** The clone, hard-linked where the file system allows it (fast), else copied. */
async function copyClone(target: string) {
  await mkdir(target)
  for (const entry of await readdir(ROOT)) {
    if (LEFT_OUT.has(entry)) continue
    await run('cp', ['-al', join(ROOT, entry), target]).catch(() =>
      run('cp', ['-a', join(ROOT, entry), target]),
    )
  }
}

describe('pnpm stack as root from a folder other users cannot enter', {
  skip: userInfo().uid === 0 ? false : 'only root runs PostgreSQL under another account',
}, () => {
  let stack: StackCommandEnv
  let jail: string
  let clone: string

  suiteSetup(async (teardown) => {
    teardown(async () => {
      await stack.remove()
      await rm(dirname(outsideDataDir(join(clone, '.data', 'postgres'))), {
        recursive: true,
        force: true,
      })
      await rm(jail, { recursive: true, force: true })
    })
    stack = await stackCommandEnv()
    jail = await mkdtemp(join(tmpdir(), 'shop-private-'))
    clone = join(jail, 'clone')
    await copyClone(clone)
  })

  it('starts, with PostgreSQL running as postgres outside the clone, and stops cleanly', async () => {
    assert.equal((await stat(jail)).mode & 0o777, 0o700)
    const env = { ...stack.env }
    // The default data folder: .data inside the clone.
    delete env.SHOP_DATA_DIR
    const started = spawnStack(env, clone)
    try {
      await untilReady(started)
      const dataDir = outsideDataDir(join(clone, '.data', 'postgres'))
      assert.match(started.stdout, new RegExp(`PostgreSQL is up \\(data in ${dataDir}\\)`))
      const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
      const { stdout: user } = await run('ps', ['-o', 'user=', '-p', String(pid)])
      assert.equal(user.trim(), 'postgres')
      assert.ok((await commandLine(pid))?.startsWith(`${OUTSIDE_ROOT}/postgres-`))

      started.child.kill('SIGINT')
      assert.equal(await started.exited, 0, started.stderr)
      assert.deepEqual(await portsInUse(stack.ports), [])
    } finally {
      if (started.child.exitCode === null && started.child.signalCode === null) {
        started.child.kill('SIGINT')
        await started.exited
      }
    }
  })
})
