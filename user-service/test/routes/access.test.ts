import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { asAdmin, asCustomer, bearer, FORGERIES, testIssuer, uniqueName } from '@shop/test-kit'
import { assertProblem, createUser, useUserService } from '../helpers.js'

describe('who may read which user', () => {
  const service = useUserService()
  let ada: number
  let grace: number

  before(async () => {
    const ids: number[] = []
    for (const name of ['ada', 'grace']) {
      const res = await createUser(service.app, {
        email: `${uniqueName(name)}@example.com`,
        full_name: name,
      })
      assert.equal(res.statusCode, 201)
      ids.push(res.json().id)
    }
    ;[ada, grace] = ids as [number, number]
  })

  const get = (url: string, headers: Record<string, string> = {}) =>
    service.app.inject({ method: 'GET', url, headers })

  it('lets anyone sign up without a token, and ignores a forged one there', async () => {
    const forged = bearer(await (await testIssuer()).forged('alg-none', 1))
    const res = await createUser(
      service.app,
      { email: `${uniqueName('open')}@example.com`, full_name: 'Open' },
      forged,
    )
    assert.equal(res.statusCode, 201)
  })

  it('answers a customer their own user', async () => {
    const res = await get(`/users/${ada}`, await asCustomer(ada))
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().id, ada)
  })

  it("answers another customer's user 404, as if it did not exist", async () => {
    const other = assertProblem(await get(`/users/${grace}`, await asCustomer(ada)), 404)
    const missing = assertProblem(await get('/users/2147483647', await asCustomer(ada)), 404)
    assert.equal(other.detail, `user ${grace} does not exist`)
    assert.equal(missing.detail, 'user 2147483647 does not exist')
  })

  it('answers 403 to a customer listing users', async () => {
    const problem = assertProblem(await get('/users', await asCustomer(ada)), 403)
    assert.equal(problem.detail, 'only an admin may list users')
  })

  it('lets an admin read and list every user', async () => {
    const admin = await asAdmin()
    assert.equal((await get(`/users/${grace}`, admin)).statusCode, 200)
    const list = await get('/users', admin)
    assert.equal(list.statusCode, 200)
    assert.ok(list.json().some((user: { id: number }) => user.id === ada))
  })

  it('answers 401 with a Bearer challenge without a token or with a forged one', async () => {
    const issuer = await testIssuer()
    const attempts = [
      {},
      ...(await Promise.all(FORGERIES.map(async (kind) => bearer(await issuer.forged(kind, ada))))),
    ]
    for (const headers of attempts) {
      for (const url of ['/users', `/users/${ada}`]) {
        const res = await get(url, headers)
        assertProblem(res, 401)
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="distributed-shop"/)
      }
    }
  })
})
