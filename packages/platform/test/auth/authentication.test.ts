import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bearer, FORGERIES, fetchAnswer, suiteSetup, type TestIssuer } from '@shop/test-kit'
import { ownIssuer, startProtectedApp } from './support.js'

interface WhoAmI {
  userId?: number
  subject?: string
  issuer?: string
  roles?: string[]
  isAdmin?: boolean
  has_token?: boolean
  detail?: string
}

describe('the authentication plugin', () => {
  let issuer: TestIssuer
  let base: string
  suiteSetup(async (teardown) => {
    issuer = await ownIssuer(teardown)
    ;({ base } = await startProtectedApp(teardown, issuer.env))
  })
  const whoami = (headers: Record<string, string> = {}) =>
    fetchAnswer<WhoAmI>(`${base}/whoami`, { headers })
  const challenge = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/whoami`, { headers })
    await response.body?.cancel()
    return { status: response.status, challenge: response.headers.get('www-authenticate') }
  }

  it("makes a valid token's user the request's caller", async () => {
    const answer = await whoami(bearer(await issuer.customer(7)))
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.body, {
      issuer: issuer.url,
      subject: '7',
      userId: 7,
      roles: [],
      isAdmin: false,
      has_token: true,
    })
  })

  it('makes a token with the admin role an admin', async () => {
    const answer = await whoami(bearer(await issuer.admin(1)))
    assert.equal(answer.status, 200)
    assert.equal(answer.body.isAdmin, true)
    assert.deepEqual(answer.body.roles, ['admin'])
  })

  it('answers 401 problem+json with a Bearer challenge when no token is sent', async () => {
    const answer = await whoami()
    assert.equal(answer.status, 401)
    assert.match(answer.type, /^application\/problem\+json/)
    assert.deepEqual(await challenge(), {
      status: 401,
      challenge: 'Bearer realm="distributed-shop"',
    })
    assert.deepEqual(await challenge({ authorization: 'Basic YWRtaW46YWRtaW4=' }), {
      status: 401,
      challenge: 'Bearer realm="distributed-shop"',
    })
  })

  for (const kind of FORGERIES) {
    it(`answers 401 invalid_token to a token that is ${kind}`, async () => {
      const forged = bearer(await issuer.forged(kind, 7))
      assert.deepEqual(await challenge(forged), {
        status: 401,
        challenge: 'Bearer realm="distributed-shop", error="invalid_token"',
      })
      const answer = await whoami(forged)
      assert.match(answer.type, /^application\/problem\+json/)
      assert.equal(answer.body.userId, undefined)
    })
  }

  it('answers 401 invalid_token to a malformed bearer token, whatever its bytes', async () => {
    for (const token of ['', 'x', 'a.b.c', 'é', `${'a'.repeat(5000)}.b.c`, 'Bearer', '..', '=a']) {
      const answer = await challenge({ authorization: `Bearer ${token}` })
      assert.equal(answer.status, 401, token)
      assert.equal(answer.challenge, 'Bearer realm="distributed-shop", error="invalid_token"')
    }
  })

  it('says why an expired token was refused', async () => {
    const answer = await whoami(bearer(await issuer.forged('expired', 7)))
    assert.equal(answer.body.detail, 'the bearer token has expired')
  })

  it('answers 403 when the user-id claim is missing or not a shop user id', async () => {
    for (const sub of [undefined, 'ada', '0', '-1', '2147483648', '07', '1e3']) {
      const token = await issuer.token(7, { claims: { sub } })
      const answer = await whoami(bearer(token))
      assert.equal(answer.status, 403, String(sub))
      assert.match(answer.type, /^application\/problem\+json/)
    }
  })

  it('serves public routes, health and docs without a token, ignoring a bad one', async () => {
    for (const path of ['/open', '/healthz', '/readyz', '/docs/json']) {
      const plain = await fetch(`${base}${path}`)
      assert.equal(plain.status, 200, path)
      await plain.body?.cancel()
    }
    const forged = await fetchAnswer(`${base}/open`, {
      headers: bearer(await issuer.forged('alg-none', 1)),
    })
    assert.deepEqual(forged, { status: 200, type: forged.type, body: { caller: null } })
  })

  it('answers an unknown path 404 whatever the token', async () => {
    const answer = await fetchAnswer(`${base}/nowhere`)
    assert.equal(answer.status, 404)
  })

  it('fetches the discovery document once and the keys once for many tokens', async () => {
    const before = { ...issuer.requests }
    for (let id = 1; id <= 5; id += 1) {
      assert.equal((await whoami(bearer(await issuer.customer(id)))).status, 200)
    }
    assert.deepEqual(issuer.requests, before)
  })
})
