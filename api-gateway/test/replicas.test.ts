import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually, suiteSetup } from '@shop/test-kit'
import { type RunningEcho, startEcho } from './support/echo-upstream.js'
import { type RunningGateway, signedFetch, startGateway } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'
import { replicaCounts } from './support/traffic.js'

/** Each replica within 30% of a fair share: 35-65% each for two. */
function assertEven(counts: Map<string, number>, replicas: string[]) {
  assert.deepEqual([...counts.keys()].sort(), [...replicas].sort())
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0)
  const fair = 1 / replicas.length
  for (const replica of replicas) {
    const share = (counts.get(replica) ?? 0) / total
    assert.ok(
      share >= fair * 0.7 && share <= fair * 1.3,
      `${replica} got ${Math.round(share * 100)}% of ${total}`,
    )
  }
}

/** Echo upstreams on one port at each loopback address, as replicas behind one name are. */
async function startOnAddresses(addresses: string[]): Promise<RunningEcho[]> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [host, ...others] = addresses as [string, ...string[]]
    const first = await startEcho({ name: `users@${host}`, host })
    const started = [first]
    try {
      for (const other of others) {
        started.push(await startEcho({ name: `users@${other}`, host: other, port: first.port }))
      }
      return started
    } catch (error) {
      await Promise.all(started.map((echo) => echo.close()))
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
  throw new Error(`no port was free on every one of ${addresses.join(', ')}`)
}

describe('replicas listed in USER_SERVICE_URL', () => {
  const replicas = [useEcho('users-a'), useEcho('users-b')]
  const orders = useEcho('orders-1')
  const gateway = useGateway(() => ({
    USER_SERVICE_URL: ` ${replicas[0]?.url}, ${replicas[1]?.url} `,
    ORDER_SERVICE_URL: orders.url,
  }))

  it('gives each of two replicas 35-65% of 200 requests', async () => {
    const counts = await replicaCounts(`${gateway.url}/users/1`, 200)
    assertEven(counts, ['users-a', 'users-b'])
  })

  it('sends nothing of /users to the order service', async () => {
    const hits = orders.hits
    await replicaCounts(`${gateway.url}/users`, 20)
    assert.equal(orders.hits, hits)
  })
})

describe('an upstream host name resolving to several addresses', () => {
  let echoes: RunningEcho[]
  let orders: RunningEcho
  let addresses: string[]
  let lookups: string[]
  let lookupFails: boolean
  const lookup = async (hostname: string) => {
    lookups.push(hostname)
    if (lookupFails) throw Object.assign(new Error('lookup failed'), { code: 'EAI_AGAIN' })
    if (hostname !== 'users.shop.test')
      throw Object.assign(new Error(hostname), { code: 'ENOTFOUND' })
    return [...addresses]
  }

  suiteSetup(async (teardown) => {
    teardown(async () => {
      await Promise.all([...echoes, orders].map((echo) => echo.close()))
    })
    echoes = await startOnAddresses(['127.0.0.2', '127.0.0.3', '127.0.0.4'])
    orders = await startEcho({ name: 'orders-1' })
  })

  function usersUrl() {
    return `http://users.shop.test:${echoes[0]?.port}`
  }

  /** A gateway whose users name resolves to `initial` at its start, again every `refreshMs`. */
  function useResolvingGateway(initial: string[], refreshMs: string) {
    return useGateway(
      () => {
        addresses = initial
        lookups = []
        lookupFails = false
        return { ...upstreams({ url: usersUrl() }, orders), DNS_REFRESH_MS: refreshMs }
      },
      { lookup },
    )
  }

  describe('resolved once at start and on a timer', () => {
    const gateway = useResolvingGateway(['127.0.0.3', '127.0.0.2', '127.0.0.2'], '600000')

    it('balances over every address, 35-65% each of 200 requests', async () => {
      const counts = await replicaCounts(`${gateway.url}/users/1`, 200)
      assertEven(counts, ['users@127.0.0.2', 'users@127.0.0.3'])
    })

    it('does not resolve the name per request', async () => {
      const before = lookups.length
      await replicaCounts(`${gateway.url}/users`, 50)
      assert.equal(lookups.length, before)
      assert.ok(lookups.every((name) => name === 'users.shop.test'))
    })
  })

  describe('re-resolved periodically', () => {
    const gateway = useResolvingGateway(['127.0.0.2', '127.0.0.3'], '50')

    it('starts sending to an address the name gains', async () => {
      addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4']
      await eventually(
        async () =>
          (await replicaCounts(`${gateway.url}/users`, 6)).has('users@127.0.0.4') || undefined,
        { what: 'a request answered by 127.0.0.4' },
      )
      const counts = await replicaCounts(`${gateway.url}/users`, 90)
      assertEven(counts, ['users@127.0.0.2', 'users@127.0.0.3', 'users@127.0.0.4'])
    })

    it('stops sending to an address the name loses, though it still answers', async () => {
      addresses = ['127.0.0.3', '127.0.0.4']
      await eventually(
        async () =>
          !(await replicaCounts(`${gateway.url}/users`, 10)).has('users@127.0.0.2') || undefined,
        { what: 'no request answered by 127.0.0.2' },
      )
      const counts = await replicaCounts(`${gateway.url}/users`, 100)
      assert.deepEqual([...counts.keys()].sort(), ['users@127.0.0.3', 'users@127.0.0.4'])
      assert.equal((await fetch(`${echoes[0]?.url}/healthz`)).status, 200)
    })

    it('keeps the addresses it knows while the name does not resolve', async () => {
      lookupFails = true
      const failedBefore = lookups.length
      await eventually(async () => (lookups.length > failedBefore + 2 ? true : undefined), {
        what: 'failed lookups',
      })
      const counts = await replicaCounts(`${gateway.url}/users`, 20)
      assert.deepEqual([...counts.keys()].sort(), ['users@127.0.0.3', 'users@127.0.0.4'])
      lookupFails = false
    })
  })

  describe('when the name resolves to nothing', () => {
    let gateway: RunningGateway

    suiteSetup(async (teardown) => {
      lookupFails = true
      teardown(() => {
        lookupFails = false
      })
      lookups = []
      gateway = await startGateway(
        { USER_SERVICE_URL: usersUrl(), ORDER_SERVICE_URL: orders.url, DNS_REFRESH_MS: '50' },
        { lookup },
      )
      teardown(() => gateway.close())
    })

    it('answers 503 problem+json naming the upstream, then serves once it resolves', async () => {
      const response = await signedFetch(`${gateway.url}/users`)
      assert.equal(response.status, 503)
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      assert.equal(((await response.json()) as { upstream: string }).upstream, 'user-service')

      addresses = ['127.0.0.4']
      lookupFails = false
      await eventually(
        async () => ((await signedFetch(`${gateway.url}/users`)).ok ? true : undefined),
        {
          what: 'the gateway serving after the name resolved',
        },
      )
      const counts = await replicaCounts(`${gateway.url}/users`, 10)
      assert.deepEqual([...counts.keys()], ['users@127.0.0.4'])
    })
  })
})
