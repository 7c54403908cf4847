import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { listenOnLoopback } from '@shop/test-kit'
import { SignJWT } from 'jose'
import { generateSigningJwk } from '../../src/identity/signing-keys.js'
import { signUp, useUserService } from '../helpers.js'

describe('GET /users/me', () => {
  const service = useUserService()
  let base: string
  before(async () => {
    base = await listenOnLoopback(service.app)
  })

  const me = (authorization?: string) =>
    fetch(`${base}/users/me`, authorization ? { headers: { authorization } } : {})

  it('answers the user the token names', async () => {
    const user = await signUp(base)
    await signUp(base)
    const res = await me(user.authorization)
    assert.equal(res.status, 200)
    const body = (await res.json()) as Record<string, unknown>
    assert.deepEqual(Object.keys(body).sort(), ['created_at', 'email', 'full_name', 'id'])
    assert.equal(body.id, user.id)
    assert.equal(body.email, user.email)
  })

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await me()
    assert.equal(res.status, 401)
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="distributed-shop"/)
  })

  it('answers 401 for a token signed by another key under the same kid', async () => {
    const user = await signUp(base)
    const [, payload] = user.token.split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())
    const header = JSON.parse(Buffer.from(user.token.split('.')[0] ?? '', 'base64url').toString())
    const forged = await new SignJWT(claims)
      .setProtectedHeader(header)
      .sign(
        await crypto.subtle.importKey(
          'jwk',
          { ...(await generateSigningJwk()), ext: true },
          { name: 'ECDSA', namedCurve: 'P-256' },
          false,
          ['sign'],
        ),
      )
    assert.equal((await me(`Bearer ${forged}`)).status, 401)
  })
})
