import assert from 'node:assert/strict'
import { get } from 'node:http'
import { before, describe, it } from 'node:test'
import { listenOnLoopback, testAuthEnv } from '@shop/test-kit'
import { calculateJwkThumbprint } from 'jose'
import { useUserService } from '../helpers.js'

interface Discovery {
  issuer: string
  jwks_uri: string
  token_endpoint: string
  id_token_signing_alg_values_supported: string[]
}

describe('OpenID discovery', () => {
  const service = useUserService()
  let base: string
  before(async () => {
    base = await listenOnLoopback(service.app)
  })

  it('names AUTH_ISSUER as the issuer and this address for the keys and tokens', async () => {
    const res = await fetch(`${base}/.well-known/openid-configuration`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300')
    const doc = (await res.json()) as Discovery
    assert.equal(doc.issuer, (await testAuthEnv()).AUTH_ISSUER)
    assert.equal(doc.jwks_uri, `${base}/.well-known/jwks.json`)
    assert.equal(doc.token_endpoint, `${base}/tokens`)
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256'])
  })

  it('names the address a proxy was reached at, from the Host it forwards', async () => {
    // fetch sets Host itself; node:http sends the one a proxy would forward.
    const doc = await new Promise<Discovery>((resolve, reject) => {
      get(
        `${base}/.well-known/openid-configuration`,
        { headers: { host: 'shop.example:8080' } },
        async (res) => {
          const chunks: Buffer[] = []
          for await (const chunk of res) chunks.push(chunk as Buffer)
          resolve(JSON.parse(Buffer.concat(chunks).toString()))
        },
      ).on('error', reject)
    })
    assert.equal(doc.jwks_uri, 'http://shop.example:8080/.well-known/jwks.json')
    assert.equal(doc.issuer, (await testAuthEnv()).AUTH_ISSUER)
  })

  it('publishes public keys only, each named by its thumbprint', async () => {
    const res = await fetch(`${base}/.well-known/jwks.json`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300')
    const { keys } = (await res.json()) as { keys: Record<string, string>[] }
    assert.ok(keys.length >= 1)
    for (const key of keys) {
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
      assert.equal(
        key.kid,
        await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: key.x, y: key.y }),
      )
      assert.equal(key.alg, 'ES256')
      assert.equal(key.use, 'sig')
    }
  })
})
