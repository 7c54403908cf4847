import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type Stoppable } from '@shop/test-kit'
import { exitCode, listeningAt, startServer } from './server-process.js'

const PASSWORD = 'server test password'

describe('src/server.ts', () => {
  let database: Stoppable
  let keysDir: string
  const started: ChildProcess[] = []
  before(async () => {
    database = await createTestDatabase()
    keysDir = await mkdtemp(join(tmpdir(), 'user-service-server-'))
  })
  after(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
    await database.stop()
    await rm(keysDir, { recursive: true, force: true })
  })

  for (const [what, env, variable] of [
    ['a malformed DATABASE_URL', { DATABASE_URL: 'nonsense' }, 'DATABASE_URL'],
    ['a missing DATABASE_URL', {}, 'DATABASE_URL'],
    ['a bad PORT', { DATABASE_URL: 'postgres://h/db', PORT: 'eighty' }, 'PORT'],
  ] as const) {
    it(`exits 1 with one line naming ${variable} for ${what}`, async () => {
      const { child, output } = startServer(env)
      started.push(child)
      assert.equal(await exitCode(child), 1)
      const lines = output.stderr.trim().split('\n')
      assert.equal(lines.length, 1, output.stderr)
      assert.match(
        lines[0] ?? '',
        new RegExp(`^user-service: invalid configuration: ${variable}(=| is required)`),
      )
    })
  }

  it('migrates, serves, and exits 0 after SIGTERM', async () => {
    const { child, output } = startServer({
      DATABASE_URL: database.url,
      PORT: '0',
      AUTH_KEYS_DIR: keysDir,
    })
    started.push(child)
    const base = await listeningAt(output)
    const ready = await fetch(`${base}/readyz`)
    assert.equal(ready.status, 200)
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'server-test-create' },
      body: JSON.stringify({
        email: 'server@example.com',
        full_name: 'Server',
        password: PASSWORD,
      }),
    })
    assert.equal(created.status, 201)
    child.kill('SIGTERM')
    assert.equal(await exitCode(child), 0)
    assert.match(output.stdout, /"signal":"SIGTERM"/)
    assert.ok(!output.stdout.includes(PASSWORD) && !output.stderr.includes(PASSWORD))
    // Batched output is all written out by the time the process exits: one line per request.
    const lines = output.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reqId?: string; msg?: string; status_code?: number })
      .filter((line) => line.reqId === 'server-test-create')
    assert.deepEqual(
      lines.map(({ msg, status_code }) => ({ msg, status_code })),
      [{ msg: 'request completed', status_code: 201 }],
    )
  })
})
