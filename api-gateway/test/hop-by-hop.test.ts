import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { suiteSetup } from '@shop/test-kit'
import { type RunningGateway, startGateway } from './support/gateway.js'

/** An upstream that names a header of its own as hop-by-hop and asks to close its connection. */
async function startHopUpstream() {
  const server: Server = createServer((request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      connection: 'close, x-hop',
      'keep-alive': 'timeout=1',
      'x-hop': 'for the gateway only',
      'x-kept': 'end to end',
      'set-cookie': ['a=1', 'b=2'],
    })
    response.end(JSON.stringify({ url: request.url }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('headers about the upstream connection', () => {
  let upstream: Awaited<ReturnType<typeof startHopUpstream>>
  let gateway: RunningGateway

  suiteSetup(async (teardown) => {
    teardown(async () => {
      await gateway.close()
      await upstream.close()
    })
    upstream = await startHopUpstream()
    gateway = await startGateway({
      USER_SERVICE_URL: upstream.url,
      ORDER_SERVICE_URL: upstream.url,
    })
  })

  it('are not passed on to the client, and the client connection stays open', async () => {
    const response = await fetch(`${gateway.url}/users/1`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { url: '/users/1' })
    assert.equal(response.headers.get('x-hop'), null)
    assert.notEqual(response.headers.get('keep-alive'), 'timeout=1')
    assert.notEqual(response.headers.get('connection'), 'close')
    assert.equal(response.headers.get('x-kept'), 'end to end')
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2'])
  })
})
