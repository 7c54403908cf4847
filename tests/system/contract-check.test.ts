/**
 * The contract check itself, on a small document: it must refuse each way an answer can
 * disagree with a document, or the system tests' traffic would prove nothing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Exchange, OpenApiContract } from './support/contract.js'

const PROBLEM = {
  type: 'object',
  properties: { status: { type: 'integer' }, title: { type: 'string' } },
  required: ['status', 'title'],
}

const contract = new OpenApiContract('shop', {
  openapi: '3.0.3',
  paths: {
    '/users/{id}': {
      get: {
        operationId: 'getUser',
        responses: {
          200: {
            description: 'The user',
            headers: { 'x-request-id': { required: true, schema: { type: 'string' } } },
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    created_at: { type: 'string', format: 'date-time' },
                    nickname: { type: 'string', nullable: true },
                  },
                  required: ['id', 'created_at', 'nickname'],
                  additionalProperties: false,
                  example: { id: 1, created_at: '2026-01-01T00:00:00Z', nickname: null },
                },
              },
            },
          },
          404: {
            description: 'None',
            content: { 'application/problem+json': { schema: PROBLEM } },
          },
        },
      },
    },
    '/users/me': { get: { operationId: 'getMe', responses: { 204: { description: 'Me' } } } },
  },
})

const user = { id: 1, created_at: '2026-11-30T23:00:00.000Z', nickname: null }

function answer(overrides: Partial<Exchange> & { json?: unknown; type?: string }): Exchange {
  const { json = user, type = 'application/json; charset=utf-8', ...rest } = overrides
  return {
    method: 'GET',
    url: 'http://127.0.0.1:1/users/1',
    status: 200,
    headers: new Headers({ 'content-type': type, 'x-request-id': 'r1' }),
    body: JSON.stringify(json),
    ...rest,
  }
}

describe('the contract check', () => {
  it('accepts an answer the document allows, null where the schema is nullable', () => {
    assert.deepEqual(contract.problems(answer({})), [])
    assert.deepEqual(
      contract.problems(
        answer({
          status: 404,
          type: 'application/problem+json',
          json: { status: 404, title: 'x' },
        }),
      ),
      [],
    )
  })

  it('matches a literal path before a templated one', () => {
    const me = answer({ url: 'http://127.0.0.1:1/users/me', status: 204, body: '' })
    me.headers.delete('content-type')
    assert.deepEqual(contract.problems(me), [])
    assert.equal(contract.operationOf('GET', me.url), 'getMe')
  })

  it('refuses a request no operation serves', () => {
    assert.deepEqual(contract.problems(answer({ method: 'DELETE' })), [
      'no operation for DELETE /users/1',
    ])
    assert.deepEqual(contract.problems(answer({ url: 'http://127.0.0.1:1/orders' })), [
      'no operation for GET /orders',
    ])
  })

  it('refuses a status the operation does not list', () => {
    assert.deepEqual(contract.problems(answer({ status: 500 })), ['status 500 is not listed'])
  })

  it('refuses a content type not listed for the status', () => {
    assert.match(contract.problems(answer({ type: 'text/plain' }))[0] ?? '', /content type/)
    assert.match(
      contract.problems(answer({ status: 404, json: { status: 404, title: 'x' } }))[0] ?? '',
      /content type application\/json; charset=utf-8 is not listed \(application\/problem\+json\)/,
    )
  })

  it('refuses a body that does not match the schema', () => {
    const cases: unknown[] = [
      { ...user, id: 'one' },
      { ...user, created_at: 'yesterday' },
      { id: 1, created_at: user.created_at },
      { ...user, extra: true },
    ]
    for (const json of cases) {
      assert.notDeepEqual(contract.problems(answer({ json })), [], JSON.stringify(json))
    }
    assert.match(contract.problems(answer({ body: '{"id":' }))[0] ?? '', /not JSON/)
  })

  it('refuses an answer without a header documented as required', () => {
    const exchange = answer({})
    exchange.headers.delete('x-request-id')
    assert.deepEqual(contract.problems(exchange), ['required header x-request-id missing'])
  })
})
