import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '@shop/platform'
import { loadBoardConfig, loadConfig, loadWorkerConfig } from '../src/config.js'

const required = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/shop',
  REDIS_URL: 'redis://127.0.0.1:6380',
}

describe('order-service configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(required)
    assert.equal(config.PORT, 8002)
    assert.equal(config.HOST, '127.0.0.1')
    assert.deepEqual(config.USER_SERVICE_URL, ['http://127.0.0.1:8001'])
    assert.equal(config.USER_SERVICE_TIMEOUT_MS, 2000)
    assert.equal(config.ORDER_QUEUE_NAME, 'orders')
    assert.equal(config.ORDER_QUEUE_PREFIX, 'bull')
    assert.equal(config.ORDER_MAX_ATTEMPTS, 5)
    assert.equal(config.ORDER_BACKOFF_MS, 1000)
    assert.equal(config.OUTBOX_SWEEP_INTERVAL_MS, 5000)
    assert.equal(config.OUTBOX_REQUEUE_AFTER_MS, 300_000)
  })

  it('reads a comma-separated list of user-service replicas', () => {
    const config = loadConfig({
      ...required,
      USER_SERVICE_URL: 'http://users-1:8001/, http://users-2:8001',
    })
    assert.deepEqual(config.USER_SERVICE_URL, ['http://users-1:8001', 'http://users-2:8001'])
  })

  for (const [name, value] of [
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['USER_SERVICE_URL', 'not a url'],
    ['USER_SERVICE_TIMEOUT_MS', '0'],
    ['ORDER_QUEUE_NAME', 'orders:v2'],
    ['ORDER_QUEUE_PREFIX', 'shop:v2'],
    ['ORDER_QUEUE_PREFIX', '{shop'],
    ['ORDER_QUEUE_PREFIX', '{a}{b}'],
    ['ORDER_QUEUE_PREFIX', '{}'],
    ['ORDER_MAX_ATTEMPTS', 'five'],
    ['PORT', '70000'],
  ] as const) {
    it(`refuses ${name}=${value}, naming the variable`, () => {
      assert.throws(
        () => loadConfig({ ...required, [name]: value }),
        (error: Error) => error instanceof ConfigError && error.message.includes(name),
      )
    })
  }

  for (const prefix of ['shop', '{shop}', 'eu.{shop}-1']) {
    it(`takes ORDER_QUEUE_PREFIX=${prefix}, a Redis Cluster hash tag included`, () => {
      assert.equal(
        loadConfig({ ...required, ORDER_QUEUE_PREFIX: prefix }).ORDER_QUEUE_PREFIX,
        prefix,
      )
    })
  }

  it('refuses to start without DATABASE_URL', () => {
    assert.throws(() => loadConfig({ REDIS_URL: required.REDIS_URL }), /DATABASE_URL/)
  })
})

describe('order worker configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadWorkerConfig(required)
    assert.equal(config.WORKER_PORT, 8003)
    assert.equal(config.WORKER_CONCURRENCY, 4)
    assert.equal(config.PROCESSING_DELAY_MS, 500)
    assert.equal(config.PAYMENT_FAILURE_RATE, 0)
    assert.equal(config.ORDER_QUEUE_NAME, 'orders')
  })

  for (const [name, value] of [
    ['PAYMENT_FAILURE_RATE', '1.5'],
    ['WORKER_CONCURRENCY', '0'],
    ['PROCESSING_DELAY_MS', '-1'],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      assert.throws(() => loadWorkerConfig({ ...required, [name]: value }), new RegExp(name))
    })
  }
})

describe('bull-board configuration', () => {
  const credentials = { BULL_BOARD_USER: 'admin', BULL_BOARD_PASSWORD: 's3cret' }

  it('applies the documented defaults', () => {
    const config = loadBoardConfig({ REDIS_URL: required.REDIS_URL, ...credentials })
    assert.equal(config.BULL_BOARD_PORT, 5555)
    assert.equal(config.BULL_BOARD_AUTH, true)
  })

  it('refuses to start without credentials, naming both variables', () => {
    assert.throws(
      () => loadBoardConfig({ REDIS_URL: required.REDIS_URL }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message.includes('BULL_BOARD_USER') &&
        error.message.includes('BULL_BOARD_PASSWORD'),
    )
  })

  it('refuses to start with a password but no user', () => {
    assert.throws(
      () => loadBoardConfig({ REDIS_URL: required.REDIS_URL, BULL_BOARD_PASSWORD: 'x' }),
      /BULL_BOARD_USER/,
    )
  })

  it('keeps the default password while the board listens on loopback only', () => {
    const config = loadBoardConfig({
      REDIS_URL: required.REDIS_URL,
      BULL_BOARD_USER: 'admin',
      BULL_BOARD_PASSWORD: 'admin',
      HOST: '0.0.0.0',
      BULL_BOARD_PUBLISHED_ADDRESS: '127.0.0.1',
    })
    assert.equal(config.BULL_BOARD_PASSWORD, 'admin')
  })

  for (const exposure of [
    { HOST: '0.0.0.0' },
    { HOST: '0.0.0.0', BULL_BOARD_PUBLISHED_ADDRESS: '0.0.0.0' },
    { HOST: '127.0.0.1', BULL_BOARD_PUBLISHED_ADDRESS: '192.0.2.10' },
  ]) {
    it(`refuses the default password, under 16 characters, when reachable beyond loopback (${JSON.stringify(exposure)})`, () => {
      const environment = {
        REDIS_URL: required.REDIS_URL,
        BULL_BOARD_USER: 'admin',
        BULL_BOARD_PASSWORD: 'admin',
        ...exposure,
      }
      assert.throws(
        () => loadBoardConfig(environment),
        (error: Error) =>
          error instanceof ConfigError &&
          /BULL_BOARD_PASSWORD.*set BULL_BOARD_PASSWORD to a longer password of your own/.test(
            error.message,
          ) &&
          !error.message.includes('\n'),
      )
      assert.equal(
        loadBoardConfig({ ...environment, BULL_BOARD_PASSWORD: 'a-password-of-mine' })
          .BULL_BOARD_PASSWORD,
        'a-password-of-mine',
      )
    })
  }

  it('starts without credentials when BULL_BOARD_AUTH=off', () => {
    const config = loadBoardConfig({ REDIS_URL: required.REDIS_URL, BULL_BOARD_AUTH: 'off' })
    assert.equal(config.BULL_BOARD_AUTH, false)
  })
})
