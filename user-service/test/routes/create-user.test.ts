import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asCustomer, uniqueName } from '@shop/test-kit'
import { assertProblem, createUser, postRaw, useUserService } from '../helpers.js'

function newEmail() {
  return `${uniqueName('user')}@example.com`
}

describe('POST /users', () => {
  const service = useUserService()

  async function userCount() {
    const [row] = await service.sql<{ n: number }>('select count(*)::int as n from users.users')
    return row?.n
  }

  it('answers 201 with the user and a Location pointing at it', async () => {
    const email = newEmail()
    const res = await createUser(service.app, { email, full_name: 'Ada Lovelace' })
    assert.equal(res.statusCode, 201)
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), ['created_at', 'email', 'full_name', 'id'])
    assert.equal(body.email, email)
    assert.equal(body.full_name, 'Ada Lovelace')
    assert.ok(Number.isInteger(body.id) && body.id > 0)
    assert.equal(new Date(body.created_at).toISOString(), body.created_at)
    assert.equal(res.headers.location, `/users/${body.id}`)
    const fetched = await service.app.inject({
      method: 'GET',
      url: String(res.headers.location),
      headers: await asCustomer(body.id),
    })
    assert.deepEqual(fetched.json(), body)
  })

  it('trims the email and name, and keeps the email in the case it was given', async () => {
    const local = uniqueName('Mixed.Case')
    const res = await createUser(service.app, {
      email: `  ${local}@Example.COM `,
      full_name: '  Grace Hopper\t',
    })
    assert.equal(res.statusCode, 201)
    assert.equal(res.json().email, `${local}@Example.COM`)
    assert.equal(res.json().full_name, 'Grace Hopper')
  })

  it('accepts a name of exactly 200 characters', async () => {
    const res = await createUser(service.app, { email: newEmail(), full_name: 'n'.repeat(200) })
    assert.equal(res.statusCode, 201)
  })

  it('answers 409 when the email is taken in another case, and creates nothing', async () => {
    const email = newEmail()
    assert.equal((await createUser(service.app, { email, full_name: 'First' })).statusCode, 201)
    const before = await userCount()
    const res = await createUser(service.app, { email: email.toUpperCase(), full_name: 'Second' })
    const problem = assertProblem(res, 409)
    assert.match(problem.detail ?? '', /already exists/)
    assert.equal(await userCount(), before)
  })

  it('creates exactly one user when the same email is registered concurrently', async () => {
    const email = newEmail()
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        createUser(service.app, {
          email: i % 2 ? email : email.toUpperCase(),
          full_name: `Racer ${i}`,
        }),
      ),
    )
    const codes = answers.map((res) => res.statusCode).sort()
    assert.deepEqual(codes, [201, ...Array(9).fill(409)])
    const rows = await service.sql('select id from users.users where lower(email) = lower($1)', [
      email,
    ])
    assert.equal(rows.length, 1)
  })

  describe('refuses invalid input with 400 and creates nothing', () => {
    const cases: [string, object][] = [
      ['an email without @', { email: 'not-an-email', full_name: 'X' }],
      ['an email without a domain', { email: 'someone@', full_name: 'X' }],
      ['a blank email', { email: '   ', full_name: 'X' }],
      ['an email over 254 characters', { email: `${'e'.repeat(250)}@example.com`, full_name: 'X' }],
      ['an empty name', { email: 'empty-name@example.com', full_name: '' }],
      ['a name of only spaces', { email: 'blank-name@example.com', full_name: '   ' }],
      [
        'a name over 200 characters',
        { email: 'long-name@example.com', full_name: 'n'.repeat(201) },
      ],
      ['a name with a NUL character', { email: 'nul-name@example.com', full_name: 'a\u0000b' }],
      [
        'a name with an unpaired surrogate',
        { email: 'surrogate@example.com', full_name: 'a\udc00b' },
      ],
      ['a missing email', { full_name: 'X' }],
      ['a missing name', { email: 'no-name@example.com' }],
      ['an unknown extra field', { email: 'extra@example.com', full_name: 'X', admin: true }],
      ['a numeric email', { email: 42, full_name: 'X' }],
      ['a name that is not a string', { email: 'typed@example.com', full_name: ['X'] }],
      ['a null name', { email: 'null-name@example.com', full_name: null }],
    ]
    for (const [what, body] of cases) {
      it(`answers 400 for ${what}`, async () => {
        const before = await userCount()
        const problem = assertProblem(await createUser(service.app, body), 400)
        assert.ok(problem.errors && problem.errors.length > 0, 'names the invalid field')
        assert.equal(await userCount(), before)
      })
    }

    it('names the invalid field in the problem', async () => {
      const problem = assertProblem(
        await createUser(service.app, { email: 'bad', full_name: 'X' }),
        400,
      )
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        ['email'],
      )
    })

    for (const [what, payload] of [
      ['malformed JSON', '{"email": "a@example.com", "full_name": '],
      ['an empty body', ''],
      ['a JSON array', '[{"email":"a@example.com","full_name":"X"}]'],
      ['a JSON string', '"a@example.com"'],
      ['JSON null', 'null'],
      ['a JSON number', '1'],
    ] as const) {
      it(`answers 400 for ${what}`, async () => {
        const before = await userCount()
        assertProblem(await postRaw(service.app, payload), 400)
        assert.equal(await userCount(), before)
      })
    }
  })

  const otherBodies: [status: number, what: string, contentType: string, payload: string][] = [
    [400, 'a plain-text body', 'text/plain', 'email=a@example.com'],
    [
      415,
      'a form-encoded body',
      'application/x-www-form-urlencoded',
      'email=a%40example.com&full_name=X',
    ],
  ]
  for (const [status, what, contentType, payload] of otherBodies) {
    it(`answers ${status} for ${what}`, async () => {
      const res = await service.app.inject({
        method: 'POST',
        url: '/users',
        headers: { 'content-type': contentType },
        payload,
      })
      assertProblem(res, status)
    })
  }
})
