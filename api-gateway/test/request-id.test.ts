import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Echo } from './support/echo-upstream.js'
import { json, signedFetch } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

describe('x-request-id', () => {
  const users = useEcho('users-1')
  const gateway = useGateway(() => upstreams(users))

  it('keeps a sane id from the client, returns it and forwards it', async () => {
    const response = await signedFetch(`${gateway.url}/users/1`, {
      headers: { 'x-request-id': 'checkout-42.retry:1' },
    })
    assert.equal(response.headers.get('x-request-id'), 'checkout-42.retry:1')
    const echo = await json<Echo>(response)
    assert.equal(echo.headers['x-request-id'], 'checkout-42.retry:1')
  })

  it('generates one when the client sends none, and forwards the same', async () => {
    const response = await signedFetch(`${gateway.url}/users/1`)
    const id = response.headers.get('x-request-id') ?? ''
    assert.match(id, /^[0-9a-f-]{36}$/)
    const echo = await json<Echo>(response)
    assert.equal(echo.headers['x-request-id'], id)
  })

  it('replaces an over-long or unsafe id', async () => {
    for (const unsafe of ['x'.repeat(129), 'has spaces in it', '<script>', 'semi;colon']) {
      const response = await signedFetch(`${gateway.url}/users/1`, {
        headers: { 'x-request-id': unsafe },
      })
      const id = response.headers.get('x-request-id') ?? ''
      assert.notEqual(id, unsafe)
      assert.match(id, /^[0-9a-f-]{36}$/)
      const echo = await json<Echo>(response)
      assert.equal(echo.headers['x-request-id'], id)
    }
  })

  it('sets one on answers the gateway makes itself', async () => {
    const response = await fetch(`${gateway.url}/nowhere`, { headers: { 'x-request-id': 'own-1' } })
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('x-request-id'), 'own-1')
  })
})
