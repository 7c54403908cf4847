import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { listenOnLoopback, testAuthEnv, uniqueName } from '@shop/test-kit'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { signIn, signUp, TEST_PASSWORD, tokenFor, useUserService } from '../helpers.js'

describe('POST /tokens', () => {
  const service = useUserService()
  let base: string
  let issuer: string
  before(async () => {
    base = await listenOnLoopback(service.app)
    issuer = (await testAuthEnv()).AUTH_ISSUER
  })

  it('answers 200 with a Bearer token for the right email and password', async () => {
    const user = await signUp(base)
    const res = await signIn(base, user.email, TEST_PASSWORD)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const body = (await res.json()) as Record<string, unknown>
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'])
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.expires_in, 900)
  })

  it('signs an ES256 JWT with the claims and header of the identity contract', async () => {
    const user = await signUp(base)
    const token = await tokenFor(base, user.email)
    const header = decodeProtectedHeader(token)
    assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ'])
    assert.equal(header.alg, 'ES256')
    assert.equal(header.typ, 'JWT')
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[]
    }
    assert.ok(jwks.keys.some((key: { kid: string }) => key.kid === header.kid))
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)),
      { issuer, audience: 'distributed-shop', algorithms: ['ES256'] },
    )
    assert.deepEqual(Object.keys(payload).sort(), [
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'roles',
      'sub',
    ])
    assert.equal(payload.sub, String(user.id))
    assert.deepEqual(payload.roles, [])
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900)
    assert.ok(Math.abs((payload.iat ?? 0) - Date.now() / 1000) < 60)
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/)
    const { payload: second } = await jwtVerify(
      await tokenFor(base, user.email),
      createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)),
      { issuer, audience: 'distributed-shop' },
    )
    assert.notEqual(second.jti, payload.jti)
  })

  it('carries the roles kept with the user', async () => {
    const user = await signUp(base)
    await service.sql(`update users.users set roles = '{admin}' where id = $1`, [user.id])
    const token = await tokenFor(base, user.email)
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)),
    )
    assert.deepEqual(payload.roles, ['admin'])
  })

  it('finds the email whatever its case', async () => {
    const user = await signUp(base)
    assert.equal((await signIn(base, user.email.toUpperCase(), TEST_PASSWORD)).status, 200)
  })

  it('answers a wrong email, a wrong password and an account without one the same 401', async () => {
    const user = await signUp(base)
    const legacyEmail = `${uniqueName('legacy')}@example.com`
    // As rows registered before passwords existed are.
    await service.sql(`insert into users.users (email, full_name) values ($1, 'Legacy')`, [
      legacyEmail,
    ])
    const answers = await Promise.all([
      signIn(base, `${uniqueName('nobody')}@example.com`, TEST_PASSWORD),
      signIn(base, user.email, `${TEST_PASSWORD}!`),
      signIn(base, legacyEmail, TEST_PASSWORD),
    ])
    const shapes = await Promise.all(
      answers.map(async (res) => {
        const headers = Object.fromEntries(res.headers)
        for (const varying of ['date', 'x-request-id']) delete headers[varying]
        return { status: res.status, headers, body: await res.text() }
      }),
    )
    assert.equal(shapes[0]?.status, 401)
    assert.equal(shapes[0]?.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(shapes[0]?.headers['www-authenticate'], 'Bearer realm="distributed-shop"')
    assert.deepEqual(shapes[1], shapes[0])
    assert.deepEqual(shapes[2], shapes[0])
    assert.deepEqual(JSON.parse(shapes[0]?.body ?? ''), {
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'the email or password is wrong',
    })
  })

  for (const [what, body] of [
    ['a missing password', { email: 'a@example.com' }],
    ['a missing email', { password: TEST_PASSWORD }],
    ['an empty password', { email: 'a@example.com', password: '' }],
    ['a password over 128 characters', { email: 'a@example.com', password: 'p'.repeat(129) }],
    ['an unknown field', { email: 'a@example.com', password: TEST_PASSWORD, grant: 'x' }],
  ] as const) {
    it(`answers 400 for ${what}`, async () => {
      const res = await fetch(`${base}/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      assert.equal(res.status, 400)
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/)
    })
  }
})
