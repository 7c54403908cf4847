import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually } from '@shop/test-kit'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import {
  createUser,
  createUserUnderKey,
  type TestService,
  testConfig,
  useUserService,
} from './helpers.js'

const keyExists = async (service: TestService, key: string) =>
  (await service.sql('select 1 from users.idempotency_keys where key = $1', [key])).length > 0

describe('idempotency keys past their retention window', () => {
  const service = useUserService()
  /** `Old` is old-key@example.com, under `key`. */
  const createNamed = (name: string, key: string) =>
    createUserUnderKey(
      service.app,
      { email: `${name.toLowerCase()}-key@example.com`, full_name: name },
      key,
    )

  it('are deleted by the sweep, while younger keys still replay', async () => {
    const old = await createNamed('Old', 'retention-old')
    assert.equal(old.statusCode, 201)
    const young = await createNamed('Young', 'retention-young')
    assert.equal(young.statusCode, 201)
    await service.sql(
      `update users.idempotency_keys set created_at = now() - interval '25 hours' where key = $1`,
      ['retention-old'],
    )

    assert.equal(await service.app.idempotencySweeper.sweep(), 1)
    assert.equal(await keyExists(service, 'retention-old'), false)
    assert.equal(await keyExists(service, 'retention-young'), true)

    // The expired key is free again: a different request under it creates, where it was a 422.
    const reused = await createNamed('Reused', 'retention-old')
    assert.equal(reused.statusCode, 201)
    const replayed = await createNamed('Young', 'retention-young')
    assert.equal(replayed.statusCode, 201)
    assert.equal(replayed.headers['idempotent-replayed'], 'true')
  })

  it('are swept on their own every so often, with IDEMPOTENCY_RETENTION_HOURS', async () => {
    // 3.6 s of retention, swept about every second.
    const app = await buildApp(
      testConfig(service.database.url, { IDEMPOTENCY_RETENTION_HOURS: '0.001' }),
    )
    try {
      const created = await createUser(
        app,
        { email: 'short-lived@example.com', full_name: 'Short' },
        { 'idempotency-key': 'retention-short' },
      )
      assert.equal(created.statusCode, 201)
      await eventually(
        async () => ((await keyExists(service, 'retention-short')) ? undefined : true),
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
