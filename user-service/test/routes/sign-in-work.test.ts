import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { listenOnLoopback, uniqueName } from '@shop/test-kit'
import { buildApp } from '../../src/app.js'
import { type App, signIn, signUp, TEST_PASSWORD, testConfig, useUserService } from '../helpers.js'

/**
 * One hashing slot, one place in its queue, and checks slow enough (10 passes) that requests
 * sent together all find the slot taken: a sign-in that checks a password gets a 503 beyond
 * two at once. So each kind of failure is seen to do a password check, the same work.
 */
describe('POST /tokens: the work of a failed sign-in', () => {
  const service = useUserService()
  let app: App
  let base: string
  before(async () => {
    app = await buildApp(
      await testConfig(service.database.url, {
        PASSWORD_HASH_CONCURRENCY: '1',
        PASSWORD_HASH_QUEUE_MAX: '1',
        PASSWORD_HASH_ITERATIONS: '10',
      }),
    )
    base = await listenOnLoopback(app)
  })
  after(() => app.close())

  async function statusesOf(email: string, password: string) {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => signIn(base, email, password)),
    )
    return answers.map((res) => res.status).sort()
  }

  it('checks a password for an unknown email, a wrong password and an account without one', async () => {
    const user = await signUp(base)
    const legacy = `${uniqueName('legacy')}@example.com`
    await service.sql(`insert into users.users (email, full_name) values ($1, 'Legacy')`, [legacy])
    for (const [what, email, password] of [
      ['a wrong password', user.email, `${TEST_PASSWORD}?`],
      ['an unknown email', `${uniqueName('nobody')}@example.com`, TEST_PASSWORD],
      ['an account without a password', legacy, TEST_PASSWORD],
    ] as const) {
      const statuses = await statusesOf(email, password)
      assert.ok(statuses.includes(401), `${what}: ${statuses}`)
      assert.ok(statuses.includes(503), `${what} never waited for the hasher: ${statuses}`)
      assert.deepEqual([...new Set(statuses)], [401, 503], what)
    }
  })

  it('answers 503 with Retry-After when the hasher is full, naming it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => signIn(base, 'nobody@example.com', TEST_PASSWORD)),
    )
    const busy = answers.find((res) => res.status === 503)
    assert.ok(busy)
    assert.equal(busy.headers.get('retry-after'), '1')
    const problem = (await busy.json()) as { dependency?: string }
    assert.equal(problem.dependency, 'password-hashing')
  })
})
