import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually, suiteSetup } from '@shop/test-kit'
import { type ChildEcho, spawnEcho } from './support/child-echo.js'
import type { Echo } from './support/echo-upstream.js'
import { json, problemOf, signedFetch, withGateway } from './support/gateway.js'
import { useEcho, useGateway } from './support/suite.js'
import { deadUrl } from './support/traffic.js'

const PROBLEM = /^application\/problem\+json/

interface Outcome {
  status: number | 'failed'
  replica: string | null
  /** Sent after the kill: the victim cannot have answered it. */
  afterKill: boolean
}

describe('a replica killed mid-traffic', () => {
  let victim: ChildEcho
  let survivor: ChildEcho

  suiteSetup(async (teardown) => {
    teardown(() => Promise.all([victim?.kill(), survivor?.kill()]))
    ;[victim, survivor] = await Promise.all([
      spawnEcho('users-victim'),
      spawnEcho('users-survivor'),
    ])
  })
  const orders = useEcho('orders-1')
  const gateway = useGateway(() => ({
    USER_SERVICE_URL: `${victim.url},${survivor.url}`,
    ORDER_SERVICE_URL: orders.url,
  }))

  it('fails no GET of a steady stream and moves the traffic to the survivor', async () => {
    const outcomes: Outcome[] = []
    let killed = false
    let stop = false
    // Four clients in a loop, so requests are in flight on both replicas at the kill.
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const afterKill = killed
        try {
          const response = await signedFetch(`${gateway.url}/users/${n}-${i}`)
          await response.body?.cancel()
          outcomes.push({
            status: response.status,
            replica: response.headers.get('x-upstream'),
            afterKill,
          })
        } catch {
          outcomes.push({ status: 'failed', replica: null, afterKill })
        }
      }
    }
    const clients = [1, 2, 3, 4].map(client)
    await eventually(async () => (outcomes.length >= 100 ? true : undefined))
    await victim.kill('SIGKILL')
    killed = true
    const atKill = outcomes.length
    await eventually(async () => (outcomes.length >= atKill + 200 ? true : undefined))
    stop = true
    await Promise.all(clients)

    const failed = outcomes.filter((outcome) => outcome.status !== 200)
    assert.deepEqual(failed, [], `${failed.length} of ${outcomes.length} GETs failed`)
    const before = outcomes.filter((outcome) => !outcome.afterKill)
    assert.ok(before.some((outcome) => outcome.replica === 'users-victim'))
    assert.ok(before.some((outcome) => outcome.replica === 'users-survivor'))
    const afterwards = outcomes.filter((outcome) => outcome.afterKill)
    assert.ok(afterwards.length >= 200)
    assert.ok(afterwards.every((outcome) => outcome.replica === 'users-survivor'))
  })
})

describe('connect failures and lost connections', () => {
  const live = useEcho('users-live')
  const other = useEcho('users-other')
  let dead: string

  suiteSetup(async () => {
    dead = await deadUrl()
  })

  it('retries a POST on another replica when the first refused the connection', async () => {
    // The dead replica comes first, and is never passed over for long: every POST meets it.
    await withGateway(
      { USER_SERVICE_URL: `${dead},${live.url}`, ORDER_SERVICE_URL: live.url },
      { replicaDownMs: 1 },
      async (gateway) => {
        for (let i = 0; i < 6; i++) {
          const hits = live.hits
          const body = JSON.stringify({
            email: `u${i}@example.com`,
            full_name: 'x'.repeat(i * 200),
          })
          const response = await signedFetch(`${gateway.url}/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `k-${i}` },
            body,
          })
          assert.equal(response.status, 200)
          const echo = await json<Echo>(response)
          assert.equal(echo.replica, 'users-live')
          assert.equal(Buffer.from(echo.body, 'base64').toString(), body)
          assert.equal(echo.headers['idempotency-key'], `k-${i}`)
          assert.equal(live.hits, hits + 1)
        }
      },
    )
  })

  describe('with two live replicas', () => {
    const gateway = useGateway(() => ({
      USER_SERVICE_URL: `${live.url},${other.url}`,
      ORDER_SERVICE_URL: live.url,
    }))

    it('answers 502 to a POST whose connection was lost after sending, without repeating it', async () => {
      for (const body of ['{"email":"a@b.c"}', '']) {
        const hits = live.hits + other.hits
        const problem = await problemOf(
          await signedFetch(`${gateway.url}/users/hang-up`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
        )
        assert.equal(problem.status, 502)
        assert.match(problem.contentType, PROBLEM)
        assert.equal(problem.body.upstream, 'user-service')
        assert.equal(live.hits + other.hits, hits + 1, 'the POST reached one replica once')
      }
    })

    it('answers 502 problem+json to an upstream that hangs up halfway through its headers', async () => {
      for (const method of ['GET', 'POST']) {
        const problem = await problemOf(
          await signedFetch(`${gateway.url}/users/half-headers`, {
            method,
            ...(method === 'POST' ? { body: '{}' } : {}),
          }),
        )
        assert.equal(problem.status, 502, method)
        assert.match(problem.contentType, PROBLEM)
      }
    })

    it('cuts the client off when an upstream hangs up halfway through a large body', async () => {
      // A large answer is streamed, so its status is already on its way: the client must
      // see the body fail, not end short.
      const response = await signedFetch(`${gateway.url}/users/half-body?length=${1024 * 1024}`)
      assert.equal(response.status, 200)
      await assert.rejects(response.text())
      const next = await signedFetch(`${gateway.url}/users/1`)
      assert.equal(next.status, 200)
      await next.body?.cancel()
    })

    it('answers 502 problem+json when an upstream hangs up halfway through a small body', async () => {
      // A small answer is read whole before anything goes to the client, so nothing was sent.
      const problem = await problemOf(await signedFetch(`${gateway.url}/users/half-body`))
      assert.equal(problem.status, 502)
      assert.match(problem.contentType, PROBLEM)
      const next = await signedFetch(`${gateway.url}/users/1`)
      assert.equal(next.status, 200)
      await next.body?.cancel()
    })

    it('tries a GET whose connection was lost on the other replica before answering 502', async () => {
      const hits = { live: live.hits, other: other.hits }
      const problem = await problemOf(await signedFetch(`${gateway.url}/users/hang-up`))
      assert.equal(problem.status, 502)
      assert.match(problem.contentType, PROBLEM)
      assert.deepEqual(
        { live: live.hits, other: other.hits },
        {
          live: hits.live + 1,
          other: hits.other + 1,
        },
      )
    })
  })
})
