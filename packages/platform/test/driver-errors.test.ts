import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { freePort } from '@shop/local-infra'
import { Redis } from 'ioredis'
import pg from 'pg'
import { isUniqueViolation, unavailableDependency } from '../src/driver-errors.js'

/** The error a real client gives when nothing listens on `port`. */
function refusedBy(attempt: (port: number) => Promise<unknown>) {
  return freePort().then(async (port) => ({ port, error: await attempt(port).catch((e) => e) }))
}

describe('the dependency a 503 names', () => {
  it('names a server it has no name for by the address it could not reach', async () => {
    const { port, error } = await refusedBy(
      (port) => new Promise((_, reject) => connect(port, '127.0.0.1').once('error', reject)),
    )
    assert.equal(unavailableDependency(error), `127.0.0.1:${port}`)
  })

  it('names redis when the fail-fast client has no connection', async () => {
    const { error } = await refusedBy(async (port) => {
      const redis = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      redis.on('error', () => {})
      try {
        return await redis.ping()
      } finally {
        redis.disconnect()
      }
    })
    assert.equal(unavailableDependency(error), 'redis')
  })

  it('names nothing for an error that is no outage', () => {
    assert.equal(unavailableDependency(new Error('boom')), undefined)
    assert.equal(
      unavailableDependency(Object.assign(new Error('dup'), { code: '23505' })),
      undefined,
    )
  })

  it('names a bare pg connect error by its address: nothing on it says PostgreSQL', async () => {
    const { port, error } = await refusedBy(async (port) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' })
      return client.connect()
    })
    assert.equal(unavailableDependency(error), `127.0.0.1:${port}`)
  })
})

describe('a unique violation', () => {
  it('is told by its SQLSTATE, on the error or on the cause Drizzle wraps it in', () => {
    const driverError = Object.assign(new Error('duplicate key'), { code: '23505' })
    assert.equal(isUniqueViolation(driverError), true)
    assert.equal(isUniqueViolation(new Error('Failed query', { cause: driverError })), true)
  })

  it('is not any other error', () => {
    assert.equal(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503' })), false)
    assert.equal(isUniqueViolation(new Error('boom')), false)
    assert.equal(isUniqueViolation('23505'), false)
  })
})
