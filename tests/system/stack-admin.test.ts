/**
 * `pnpm stack` on a fresh data folder with no SHOP_ADMIN_PASSWORD: user-service generates the
 * bootstrap admin's password into a 0600 file with the stack's data, the banner names that
 * file and never the secret, and the admin signs in with it through the gateway.
 */
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { suiteSetup } from '@shop/test-kit'
import {
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
  untilReady,
} from './support/stack-command.js'

describe('pnpm stack without SHOP_ADMIN_PASSWORD', () => {
  let stack: StackCommandEnv

  suiteSetup(async (teardown) => {
    stack = await stackCommandEnv()
    teardown(() => stack.remove())
  })

  it('prints where the generated admin password is, and the admin signs in with it', async () => {
    const run = spawnStack(stack.env)
    try {
      await untilReady(run)
      const file = join(stack.dataDir, 'user-service', 'admin-password')
      assert.match(run.stdout, new RegExp(`admin +admin@shop\\.local +\\(password in ${file}\\)`))
      assert.equal((await stat(file)).mode & 0o777, 0o600)
      const password = (await readFile(file, 'utf8')).trim()
      assert.ok(password.length >= 16)
      assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password))

      const gateway = `http://127.0.0.1:${stack.ports.SHOP_GATEWAY_PORT}`
      const signIn = await fetch(`${gateway}/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@shop.local', password }),
      })
      assert.equal(signIn.status, 200)
      const { access_token: token } = (await signIn.json()) as { access_token: string }
      const users = await fetch(`${gateway}/users`, {
        headers: { authorization: `Bearer ${token}` },
      })
      assert.equal(users.status, 200)
      assert.equal((await fetch(`${gateway}/users`)).status, 401)
    } finally {
      run.child.kill('SIGINT')
      await run.exited
    }
  })
})
