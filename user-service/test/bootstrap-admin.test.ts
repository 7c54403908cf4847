import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, queryOnce, type Stoppable } from '@shop/test-kit'
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import { signIn, TEST_PASSWORD, tokenFor } from './helpers.js'
import { exitCode, listeningAt, startServer } from './server-process.js'

describe('src/server.ts: the bootstrap admin and kept keys', () => {
  const databases: Stoppable[] = []
  const started: ChildProcess[] = []
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-service-data-'))
  })
  after(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
    await Promise.all(databases.map((database) => database.stop()))
    await rm(dir, { recursive: true, force: true })
  })

  async function freshDatabase() {
    const database = await createTestDatabase()
    databases.push(database)
    return database.url
  }

  async function serve(env: Record<string, string>) {
    const { child, output } = startServer({ PORT: '0', ...env })
    started.push(child)
    const base = await listeningAt(output)
    return {
      base,
      output,
      async stop() {
        child.kill('SIGTERM')
        assert.equal(await exitCode(child), 0)
      },
    }
  }

  it('generates the key and the admin password on first start, and keeps both', async () => {
    const env = { DATABASE_URL: await freshDatabase(), AUTH_KEYS_DIR: join(dir, 'first') }
    const first = await serve(env)
    const file = join(dir, 'first', 'admin-password')
    const password = (await readFile(file, 'utf8')).trim()
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.ok(password.length >= 24)
    assert.ok(first.output.stdout.includes(file), 'the log names the file')
    assert.ok(!first.output.stdout.includes(password) && !first.output.stderr.includes(password))
    const token = await tokenFor(first.base, 'admin@shop.local', password)
    assert.deepEqual(decodeJwt(token).roles, ['admin'])
    await first.stop()

    const second = await serve(env)
    assert.ok(!second.output.stdout.includes('generated'), second.output.stdout)
    assert.equal((await readFile(file, 'utf8')).trim(), password)
    const jwks = createRemoteJWKSet(new URL(`${second.base}/.well-known/jwks.json`))
    await jwtVerify(token, jwks, { issuer: 'http://127.0.0.1:8080', audience: 'distributed-shop' })
    assert.equal((await signIn(second.base, 'admin@shop.local', password)).status, 200)
    const admins = await queryOnce(
      env.DATABASE_URL,
      "select 1 from users.users where 'admin' = any(roles)",
    )
    assert.equal(admins.length, 1)
    await second.stop()
  })

  it('takes SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD when set, and writes no file', async () => {
    const keysDir = join(dir, 'given')
    const app = await serve({
      DATABASE_URL: await freshDatabase(),
      AUTH_KEYS_DIR: keysDir,
      SHOP_ADMIN_EMAIL: 'root@shop.example',
      SHOP_ADMIN_PASSWORD: TEST_PASSWORD,
    })
    const token = await tokenFor(app.base, 'root@shop.example', TEST_PASSWORD)
    assert.deepEqual(decodeJwt(token).roles, ['admin'])
    await assert.rejects(stat(join(keysDir, 'admin-password')), { code: 'ENOENT' })
    assert.ok(!app.output.stdout.includes(TEST_PASSWORD))
    await app.stop()
  })

  it('never writes a password to its output, even at LOG_LEVEL=trace', async () => {
    const app = await serve({
      DATABASE_URL: await freshDatabase(),
      AUTH_KEYS_DIR: join(dir, 'trace'),
      LOG_LEVEL: 'trace',
    })
    const secrets = ['first secret 0123', 'wrong secret 0123', 'short 123', 'malformed 0123']
    const post = (path: string, body: string) =>
      fetch(`${app.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    const email = 'traced@example.com'
    const user = { email, full_name: 'Traced', password: secrets[0] }
    assert.equal((await post('/users', JSON.stringify(user))).status, 201)
    assert.equal((await signIn(app.base, email, secrets[0] ?? '')).status, 200)
    assert.equal((await signIn(app.base, email, secrets[1] ?? '')).status, 401)
    assert.equal(
      (await post('/users', JSON.stringify({ ...user, password: secrets[2] }))).status,
      400,
    )
    // A JSON parser's message may quote the text around the error: here, the password's end.
    const malformed = await post(
      '/tokens',
      `{"email":"${email}","password":"${secrets[3]}","x":tx}`,
    )
    assert.equal(malformed.status, 400)
    assert.ok(!(await malformed.text()).includes(secrets[3] ?? ''))
    await app.stop()
    for (const secret of secrets) {
      assert.ok(!app.output.stdout.includes(secret), `${secret} in stdout`)
      assert.ok(!app.output.stderr.includes(secret), `${secret} in stderr`)
    }
  })
})
