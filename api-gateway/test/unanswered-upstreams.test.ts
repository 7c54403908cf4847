import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suiteSetup } from '@shop/test-kit'
import { frozenReplica } from './support/child-echo.js'
import { startEcho } from './support/echo-upstream.js'
import { problemOf, signedFetch, startGateway, withGateway } from './support/gateway.js'
import { useEcho } from './support/suite.js'
import { deadUrl } from './support/traffic.js'

const PROBLEM = /^application\/problem\+json/

describe('upstreams that do not answer', () => {
  const users = useEcho('users-1')
  let dead: string

  suiteSetup(async () => {
    dead = await deadUrl()
  })

  it('answers 504 problem+json when the upstream does not answer in time, and does not retry', async () => {
    const other = await startEcho({ name: 'users-2' })
    const gateway = await startGateway({
      USER_SERVICE_URL: `${users.url},${other.url}`,
      ORDER_SERVICE_URL: users.url,
      UPSTREAM_TIMEOUT_MS: '300',
    })
    try {
      const hits = users.hits + other.hits
      const problem = await problemOf(await signedFetch(`${gateway.url}/users/slow`))
      assert.equal(problem.status, 504)
      assert.match(problem.contentType, PROBLEM)
      assert.equal(problem.body.upstream, 'user-service')
      assert.equal(users.hits + other.hits, hits + 1)
      // The replica that was slow once still serves.
      assert.equal((await signedFetch(`${gateway.url}/users/1`)).status, 200)
    } finally {
      await gateway.close()
      await other.close()
    }
  })

  it('answers 503 problem+json, never 500, when no replica is reachable', async () => {
    await withGateway(
      {
        USER_SERVICE_URL: `${dead},${await deadUrl()}`,
        ORDER_SERVICE_URL: users.url,
      },
      async (gateway) => {
        for (const method of ['GET', 'POST', 'DELETE']) {
          const problem = await problemOf(
            await signedFetch(`${gateway.url}/users/1`, {
              method,
              ...(method === 'POST'
                ? { body: '{}', headers: { 'content-type': 'application/json' } }
                : {}),
            }),
          )
          assert.equal(problem.status, 503, method)
          assert.match(problem.contentType, PROBLEM)
          assert.equal(problem.body.upstream, 'user-service')
        }
        // The other upstream is not dragged down with it.
        assert.equal((await signedFetch(`${gateway.url}/orders`)).status, 200)
      },
    )
  })

  it('answers 503 problem+json, never 500, when the connection attempt times out', async () => {
    const frozen = await frozenReplica()
    try {
      await withGateway(
        {
          USER_SERVICE_URL: frozen.url,
          ORDER_SERVICE_URL: users.url,
          UPSTREAM_TIMEOUT_MS: '500',
        },
        async (gateway) => {
          const problem = await problemOf(await signedFetch(`${gateway.url}/users/1`))
          assert.equal(problem.status, 503)
          assert.match(problem.contentType, PROBLEM)
          assert.equal(problem.body.upstream, 'user-service')
        },
      )
    } finally {
      await frozen.close()
    }
  })

  it('passes over a replica that does not accept connections: GETs are answered by the other', async () => {
    const frozen = await frozenReplica()
    try {
      await withGateway(
        {
          USER_SERVICE_URL: `${frozen.url},${users.url}`,
          ORDER_SERVICE_URL: users.url,
          UPSTREAM_TIMEOUT_MS: '500',
        },
        async (gateway) => {
          for (let i = 0; i < 4; i++) {
            const response = await signedFetch(`${gateway.url}/users/${i}`)
            assert.equal(response.status, 200)
            assert.equal(response.headers.get('x-upstream'), 'users-1')
            await response.body?.cancel()
          }
        },
      )
    } finally {
      await frozen.close()
    }
  })
})
