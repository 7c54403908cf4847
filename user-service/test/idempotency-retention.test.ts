import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { scopedIdempotencyKey } from '@shop/platform/postgres'
import { eventually } from '@shop/test-kit'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import {
  assertProblem,
  createUser,
  createUserUnderKey,
  type TestService,
  testConfig,
  useUserService,
} from './helpers.js'

/** Whether a sign-up's `key` is kept: keys of anonymous sign-ups are scoped to the email. */
const keyExists = async (service: TestService, key: string, email: string) => {
  const stored = scopedIdempotencyKey(['email', email], key)
  const rows = await service.sql('select 1 from users.idempotency_keys where key = $1', [stored])
  return rows.length > 0
}

describe('idempotency keys past their retention window', () => {
  const service = useUserService()
  const emailOf = (name: string) => `${name.toLowerCase()}-key@example.com`
  /** `Old` is old-key@example.com, under `key`. */
  const createNamed = (name: string, key: string, fullName = name) =>
    createUserUnderKey(service.app, { email: emailOf(name), full_name: fullName }, key)

  it('are deleted by the sweep, while younger keys still replay', async () => {
    const old = await createNamed('Old', 'retention-old')
    assert.equal(old.statusCode, 201)
    const young = await createNamed('Young', 'retention-young')
    assert.equal(young.statusCode, 201)
    await service.sql(
      `update users.idempotency_keys set created_at = now() - interval '25 hours' where key = $1`,
      [scopedIdempotencyKey(['email', emailOf('Old')], 'retention-old')],
    )

    assert.equal(await service.app.idempotencySweeper.sweep(), 1)
    assert.equal(await keyExists(service, 'retention-old', emailOf('Old')), false)
    assert.equal(await keyExists(service, 'retention-young', emailOf('Young')), true)

    // The expired key answers no more: a different request under it reaches the users (the
    // email is taken: 409), where it was a 422.
    assertProblem(await createNamed('Old', 'retention-old', 'Changed'), 409)
    const replayed = await createNamed('Young', 'retention-young')
    assert.equal(replayed.statusCode, 201)
    assert.equal(replayed.headers['idempotent-replayed'], 'true')
  })

  it('are swept on their own every so often, with IDEMPOTENCY_RETENTION_HOURS', async () => {
    // 3.6 s of retention, swept about every second.
    const app = await buildApp(
      await testConfig(service.database.url, { IDEMPOTENCY_RETENTION_HOURS: '0.001' }),
    )
    try {
      const created = await createUser(
        app,
        { email: 'short-lived@example.com', full_name: 'Short' },
        { 'idempotency-key': 'retention-short' },
      )
      assert.equal(created.statusCode, 201)
      await eventually(
        async () =>
          (await keyExists(service, 'retention-short', 'short-lived@example.com'))
            ? undefined
            : true,
        { timeoutMs: 30_000, what: 'the key swept' },
      )
    } finally {
      await app.close()
    }
  })

  it('keeps keys for 24 hours unless configured, and refuses a retention that is not positive', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://h/db' }).IDEMPOTENCY_RETENTION_HOURS, 24)
    for (const value of ['0', '-1', 'a day']) {
      assert.throws(
        () => loadConfig({ DATABASE_URL: 'postgres://h/db', IDEMPOTENCY_RETENTION_HOURS: value }),
        /IDEMPOTENCY_RETENTION_HOURS/,
      )
    }
  })
})
