import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, metricsAddress } from '@shop/platform'
import { loadConfig } from '../src/config.js'

const DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:5433/shop'

describe('loadConfig', () => {
  it('applies the defaults', () => {
    assert.deepEqual(loadConfig({ DATABASE_URL }), {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      PORT: 8001,
      METRICS_PORT: 9001,
      DATABASE_URL,
      IDEMPOTENCY_RETENTION_HOURS: 24,
      PASSWORD_HASH_MEMORY_KIB: 19_456,
      PASSWORD_HASH_ITERATIONS: 2,
      PASSWORD_HASH_CONCURRENCY: 2,
      PASSWORD_HASH_QUEUE_MAX: 64,
      AUTH_ISSUER: 'http://127.0.0.1:8080',
      AUTH_AUDIENCE: 'distributed-shop',
      AUTH_TOKEN_TTL_S: 900,
      AUTH_KEYS_DIR: '.data/user-service',
      SHOP_ADMIN_EMAIL: 'admin@shop.local',
      AUTH_USER_ID_CLAIM: 'sub',
      AUTH_ROLES_CLAIM: 'roles',
    })
  })

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL,
      HOST: '0.0.0.0',
      PORT: '9001',
      METRICS_PORT: '9101',
      METRICS_HOST: '10.0.0.5',
      LOG_LEVEL: 'debug',
    })
    assert.equal(config.HOST, '0.0.0.0')
    assert.equal(config.PORT, 9001)
    assert.deepEqual(metricsAddress(config), { host: '10.0.0.5', port: 9101 })
    assert.deepEqual(metricsAddress(loadConfig({ DATABASE_URL, HOST: '0.0.0.0' })), {
      host: '0.0.0.0',
      port: 9001,
    })
    assert.equal(config.LOG_LEVEL, 'debug')
  })

  it('treats an empty PORT as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL, PORT: '' }).PORT, 8001)
  })

  for (const [what, env, variable] of [
    ['a missing DATABASE_URL', {}, 'DATABASE_URL'],
    ['an empty DATABASE_URL', { DATABASE_URL: '' }, 'DATABASE_URL'],
    ['a DATABASE_URL that is not a URL', { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    ['a DATABASE_URL for another protocol', { DATABASE_URL: 'mysql://h/db' }, 'DATABASE_URL'],
    ['a PORT that is not a number', { DATABASE_URL, PORT: 'http' }, 'PORT'],
    ['a PORT out of range', { DATABASE_URL, PORT: '70000' }, 'PORT'],
    ['an unknown LOG_LEVEL', { DATABASE_URL, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [
      'a token lifetime over an hour',
      { DATABASE_URL, AUTH_TOKEN_TTL_S: '3601' },
      'AUTH_TOKEN_TTL_S',
    ],
    ['an AUTH_ISSUER that is not a URL', { DATABASE_URL, AUTH_ISSUER: 'shop' }, 'AUTH_ISSUER'],
    [
      'a hash memory below 8 MiB',
      { DATABASE_URL, PASSWORD_HASH_MEMORY_KIB: '4096' },
      'PASSWORD_HASH_MEMORY_KIB',
    ],
    [
      'no hashing slot',
      { DATABASE_URL, PASSWORD_HASH_CONCURRENCY: '0' },
      'PASSWORD_HASH_CONCURRENCY',
    ],
    ['an invalid SHOP_ADMIN_EMAIL', { DATABASE_URL, SHOP_ADMIN_EMAIL: 'root' }, 'SHOP_ADMIN_EMAIL'],
    [
      'a SHOP_ADMIN_PASSWORD under 12 characters',
      { DATABASE_URL, SHOP_ADMIN_PASSWORD: 'short' },
      'SHOP_ADMIN_PASSWORD',
    ],
  ] as const) {
    it(`refuses ${what}, naming ${variable}`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) =>
          error instanceof ConfigError &&
          new RegExp(`\\b${variable}(=| is required)`).test(error.message),
      )
    })
  }

  it('never prints a refused SHOP_ADMIN_PASSWORD back', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL, SHOP_ADMIN_PASSWORD: 'hunter2' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('SHOP_ADMIN_PASSWORD') &&
        !error.message.includes('hunter2'),
    )
  })
})
