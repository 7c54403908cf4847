import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { scopedIdempotencyKey } from '@shop/platform/postgres'
import { uniqueName } from '@shop/test-kit'
import {
  assertProblem,
  createUser,
  createUserUnderKey,
  postRaw,
  useUserService,
} from '../helpers.js'

const newEmail = () => `${uniqueName('pw')}@example.com`

describe('POST /users with a password', () => {
  const service = useUserService()

  const storedHash = async (id: number) =>
    (
      await service.sql<{ password_hash: string }>(
        'select password_hash from users.users where id = $1',
        [id],
      )
    )[0]?.password_hash

  it('keeps only an argon2id hash of it, and never answers it', async () => {
    const password = 'a password of 26 characters'
    const res = await createUser(service.app, { email: newEmail(), full_name: 'P', password })
    assert.equal(res.statusCode, 201)
    assert.ok(!res.body.includes(password))
    assert.deepEqual(Object.keys(res.json()).sort(), ['created_at', 'email', 'full_name', 'id'])
    const hash = await storedHash(res.json().id)
    assert.match(hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[\w+/]+\$[\w+/]+$/)
    assert.ok(!hash?.includes(password))
  })

  it('salts each hash: one password twice gives two hashes', async () => {
    const password = 'the very same password'
    const first = await createUser(service.app, { email: newEmail(), full_name: 'A', password })
    const second = await createUser(service.app, { email: newEmail(), full_name: 'B', password })
    assert.notEqual(await storedHash(first.json().id), await storedHash(second.json().id))
  })

  for (const length of [12, 128]) {
    it(`accepts a password of exactly ${length} characters`, async () => {
      const res = await createUser(service.app, {
        email: newEmail(),
        full_name: 'Edge',
        password: 'p'.repeat(length),
      })
      assert.equal(res.statusCode, 201)
    })
  }

  for (const [what, password] of [
    ['11 characters', 'p'.repeat(11)],
    ['129 characters', 'p'.repeat(129)],
    ['an empty password', ''],
    ['a number', 123456789012],
    ['null', null],
  ] as const) {
    it(`answers 400 naming the password for ${what}, and never echoes it`, async () => {
      const email = newEmail()
      const res = await createUser(service.app, { email, full_name: 'Short', password })
      const problem = assertProblem(res, 400)
      assert.deepEqual(
        problem.errors?.map((error) => error.field),
        ['password'],
      )
      if (typeof password === 'string' && password !== '') assert.ok(!res.body.includes(password))
      const rows = await service.sql('select 1 from users.users where email = $1', [email])
      assert.equal(rows.length, 0)
    })
  }

  it('answers 400 for a body without a password', async () => {
    const payload = JSON.stringify({ email: newEmail(), full_name: 'None' })
    const problem = assertProblem(await postRaw(service.app, payload), 400)
    assert.deepEqual(
      problem.errors?.map((error) => error.field),
      ['password'],
    )
  })

  it('leaves the password out of the Idempotency-Key fingerprint and the stored answer', async () => {
    const key = uniqueName('pw-key')
    const body = { email: newEmail(), full_name: 'Keyed' }
    const first = await createUserUnderKey(
      service.app,
      { ...body, password: 'first password!' },
      key,
    )
    assert.equal(first.statusCode, 201)
    // The body without its password is the same request: replayed, never a 422.
    const again = await createUserUnderKey(
      service.app,
      { ...body, password: 'other password!' },
      key,
    )
    assert.equal(again.statusCode, 201)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.deepEqual(again.json(), first.json())
    const [stored] = await service.sql<{ row: string }>(
      'select row_to_json(k)::text as row from users.idempotency_keys k where key = $1',
      [scopedIdempotencyKey(['email', body.email.toLowerCase()], key)],
    )
    assert.ok(stored && !stored.row.includes('first password!'))
  })
})
