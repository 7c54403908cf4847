import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { uniqueName } from '@shop/test-kit'
import { assertProblem, createUser, createUserUnderKey, useUserService } from '../helpers.js'

describe('POST /users with an Idempotency-Key', () => {
  const service = useUserService()

  async function usersWithEmail(email: string) {
    return service.sql('select id from users.users where lower(email) = lower($1)', [email])
  }

  it('replays the first 201 for a repeat with the same body, creating one user', async () => {
    const key = uniqueName('key')
    const body = { email: `${uniqueName('idem')}@example.com`, full_name: 'Once' }
    const first = await createUser(service.app, body, { 'idempotency-key': key })
    assert.equal(first.statusCode, 201)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const again = await createUser(service.app, body, { 'idempotency-key': key })
    assert.equal(again.statusCode, 201)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.body, first.body)
    assert.equal(again.headers.location, first.headers.location)
    assert.equal((await usersWithEmail(body.email)).length, 1)
  })

  it('treats the same body with keys in another order as the same request', async () => {
    const key = uniqueName('key')
    const email = `${uniqueName('order')}@example.com`
    const first = await createUserUnderKey(service.app, { email, full_name: 'Ordered' }, key)
    const again = await createUserUnderKey(service.app, { full_name: 'Ordered', email }, key)
    assert.equal(again.statusCode, 201)
    assert.equal(again.body, first.body)
  })

  it('answers 422 when the key is reused with a different body, changing nothing', async () => {
    const key = uniqueName('key')
    const email = `${uniqueName('changed')}@example.com`
    const first = await createUserUnderKey(service.app, { email, full_name: 'Before' }, key)
    assert.equal(first.statusCode, 201)
    const res = await createUserUnderKey(service.app, { email, full_name: 'After' }, key)
    const problem = assertProblem(res, 422)
    assert.match(problem.detail ?? '', /Idempotency-Key/)
    const [row] = await service.sql('select full_name from users.users where email = $1', [email])
    assert.deepEqual(row, { full_name: 'Before' })
  })

  it("keeps one email's key apart from the same key of another email (whatever its case)", async () => {
    const key = uniqueName('shared-key')
    const first = { email: `${uniqueName('first')}@example.com`, full_name: 'First' }
    const second = { email: `${uniqueName('second')}@example.com`, full_name: 'Second' }
    assert.equal((await createUserUnderKey(service.app, first, key)).statusCode, 201)
    const other = await createUserUnderKey(service.app, second, key)
    assert.equal(other.statusCode, 201)
    assert.equal(other.headers['idempotent-replayed'], undefined)
    assert.equal((await usersWithEmail(second.email)).length, 1)
    const shouted = { ...first, email: first.email.toUpperCase() }
    const replay = await createUserUnderKey(service.app, shouted, key)
    assertProblem(replay, 422)
  })

  it('creates one user when requests with one key arrive concurrently', async () => {
    const key = uniqueName('key')
    const body = { email: `${uniqueName('race')}@example.com`, full_name: 'Racer' }
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => createUser(service.app, body, { 'idempotency-key': key })),
    )
    for (const res of answers) {
      assert.equal(res.statusCode, 201, res.body)
      assert.equal(res.body, answers[0]?.body)
      assert.equal(res.headers.location, answers[0]?.headers.location)
    }
    assert.equal(answers.filter((res) => res.headers['idempotent-replayed'] === 'true').length, 7)
    assert.equal((await usersWithEmail(body.email)).length, 1)
  })

  it('does not keep a key whose request failed: a repeat is answered anew', async () => {
    const taken = `${uniqueName('taken')}@example.com`
    assert.equal((await createUser(service.app, { email: taken, full_name: 'T' })).statusCode, 201)
    const key = uniqueName('key')
    const conflict = await createUserUnderKey(service.app, { email: taken, full_name: 'T2' }, key)
    assertProblem(conflict, 409)
    // Kept, the key would replay the 409 or refuse another body with 422: it is asked anew.
    assertProblem(
      await createUserUnderKey(service.app, { email: taken, full_name: 'T3' }, key),
      409,
    )
    const stored = await service.sql('select key from users.idempotency_keys where key like $1', [
      `%${key}%`,
    ])
    assert.deepEqual(stored, [])
  })

  it('creates a new user for each request without a key', async () => {
    const email = `${uniqueName('nokey')}@example.com`
    assert.equal((await createUser(service.app, { email, full_name: 'A' })).statusCode, 201)
    assertProblem(await createUser(service.app, { email, full_name: 'A' }), 409)
  })

  for (const [what, key] of [
    ['an empty key', ''],
    ['a key with spaces', 'has spaces'],
    ['a key over 255 characters', 'k'.repeat(256)],
  ] as const) {
    it(`answers 400 for ${what}, creating nothing`, async () => {
      const email = `${uniqueName('badkey')}@example.com`
      const res = await createUserUnderKey(service.app, { email, full_name: 'K' }, key)
      assertProblem(res, 400)
      assert.equal((await usersWithEmail(email)).length, 0)
    })
  }
})
