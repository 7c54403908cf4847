import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { freePort } from '@shop/local-infra'
import { bearer, fetchAnswer, suiteSetup, type TestIssuer, testIssuer } from '@shop/test-kit'
import { ownIssuer, startProtectedApp } from './support.js'

describe('the authentication plugin when the issuer cannot be reached', () => {
  let base: string
  suiteSetup(async (teardown) => {
    const nowhere = `http://127.0.0.1:${await freePort()}`
    ;({ base } = await startProtectedApp(teardown, { AUTH_ISSUER: nowhere }))
  })

  it('answers 503 naming the issuer while no key was ever fetched, never 401 or 500', async () => {
    const issuer = await testIssuer()
    const response = await fetch(`${base}/whoami`, {
      headers: bearer(await issuer.customer(1)),
    })
    assert.equal(response.status, 503)
    assert.equal(response.headers.get('retry-after'), '5')
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
    const body = (await response.json()) as { dependency: string; detail: string }
    assert.equal(body.dependency, 'issuer')
    assert.match(body.detail, /^the token issuer http:\/\/127\.0\.0\.1:\d+ cannot be reached/)
  })

  it('still answers 401 to a request without a token: nothing to verify', async () => {
    assert.equal((await fetchAnswer(`${base}/whoami`)).status, 401)
  })
})

describe('the authentication plugin when the issuer goes away after its keys were fetched', () => {
  let issuer: TestIssuer
  let base: string
  suiteSetup(async (teardown) => {
    issuer = await ownIssuer(teardown)
    // Keys are fetched again for every token: each verification meets the issuer's outage.
    ;({ base } = await startProtectedApp(teardown, issuer.env, { keyCacheMs: 0 }))
  })

  it('keeps verifying with the cached keys, and refuses a key it does not know with 401', async () => {
    const before = await fetchAnswer(`${base}/whoami`, {
      headers: bearer(await issuer.customer(3)),
    })
    assert.equal(before.status, 200)
    issuer.setAvailable(false)
    const jwksBefore = issuer.requests.jwks
    const during = await fetchAnswer(`${base}/whoami`, {
      headers: bearer(await issuer.customer(4)),
    })
    assert.equal(during.status, 200)
    const unknown = await fetchAnswer(`${base}/whoami`, {
      headers: bearer(await issuer.forged('unknown-kid', 4)),
    })
    assert.equal(unknown.status, 401)
    assert.ok(issuer.requests.jwks > jwksBefore, 'the keys were asked for during the outage')
  })
})

describe('the authentication plugin configured for another provider', () => {
  let issuer: TestIssuer
  let base: string
  suiteSetup(async (teardown) => {
    issuer = await ownIssuer(teardown)
    ;({ base } = await startProtectedApp(teardown, {
      ...issuer.env,
      AUTH_AUDIENCE: '',
      AUTH_USER_ID_CLAIM: 'shop.user_id',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    }))
  })

  it('reads the user id and roles at dotted claim paths, and checks no audience', async () => {
    const token = await issuer.token(1, {
      claims: {
        sub: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
        aud: 'account',
        shop: { user_id: 12 },
        realm_access: { roles: ['offline_access', 'admin'] },
      },
    })
    const answer = await fetchAnswer(`${base}/whoami`, { headers: bearer(token) })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(answer.body.userId, 12)
    assert.equal(answer.body.subject, 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6')
    assert.equal(answer.body.isAdmin, true)
  })

  it('answers 403 when the configured claim does not hold a shop user id', async () => {
    const token = await issuer.token(1, { claims: { shop: { user_id: 'ada' } } })
    const answer = await fetchAnswer(`${base}/whoami`, { headers: bearer(token) })
    assert.equal(answer.status, 403)
  })
})
