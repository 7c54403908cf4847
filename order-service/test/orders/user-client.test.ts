import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '@shop/platform'
import { createUserClient } from '../../src/orders/user-client.js'

/** A stand-in user-service on `address`, counting the user checks it answers. */
function userServiceOn(address: string, port: number) {
  const seen = { checks: 0 }
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/users/')) seen.checks++
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
  return new Promise<{ server: Server; seen: typeof seen; port: number }>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () =>
      resolve({ server, seen, port: (server.address() as AddressInfo).port }),
    )
  })
}

describe('the user check', () => {
  const replicas: Awaited<ReturnType<typeof userServiceOn>>[] = []
  before(async () => {
    // Two replicas behind one name, as under `docker compose --scale`: same port, two addresses.
    const first = await userServiceOn('127.0.0.1', 0)
    replicas.push(first, await userServiceOn('127.0.0.2', first.port))
  })
  after(() => Promise.all(replicas.map(({ server }) => server.close())))

  it('asks every address a host name in USER_SERVICE_URL resolves to, in turn', async () => {
    const lookups: string[] = []
    const users = createUserClient({
      urls: [`http://user-service.test:${replicas[0]?.port}`],
      refreshMs: 60_000,
      timeoutMs: 2_000,
      log: createLogger('test', 'silent'),
      lookup: async (hostname) => {
        lookups.push(hostname)
        return ['127.0.0.2', '127.0.0.1']
      },
    })
    await users.start()
    try {
      const context = { requestId: 'r', log: createLogger('test', 'silent'), token: 'admin-token' }
      for (let id = 1; id <= 4; id++) await users.assertUserExists(id, context)
    } finally {
      await users.close()
    }
    assert.deepEqual(lookups, ['user-service.test'])
    assert.deepEqual(
      replicas.map(({ seen }) => seen.checks),
      [2, 2],
    )
  })
})
