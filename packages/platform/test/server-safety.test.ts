import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { openApi } from '../src/openapi.js'
import { useListeningApp } from './support/listening-app.js'

/** What a client that stalls after sending `sent` gets back, and whether the server hung up. */
function stall(base: string, sent: string) {
  const { hostname, port } = new URL(base)
  return new Promise<{ answer: string; closed: boolean }>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let answer = ''
    // Far beyond the server's bounds: a connection still open by then is held forever.
    const deadline = setTimeout(() => {
      socket.destroy()
      resolve({ answer, closed: false })
    }, 60_000)
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString()
    })
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(deadline)
      resolve({ answer, closed: true })
    })
    socket.write(sent)
  })
}

describe('a service server', () => {
  const server = useListeningApp(async (app) => {
    await app.register(openApi, { title: 'test', description: 'test' })
    app.post('/things', async () => ({ ok: true }))
    app.get('/things', async () => [])
  })

  it('answers 408 and hangs up on clients that never finish their headers or their body', async () => {
    const [headers, body] = await Promise.all([
      stall(server.base, 'GET /things HTTP/1.1\r\nhost: test\r\n'),
      stall(
        server.base,
        'POST /things HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":',
      ),
    ])
    for (const stalled of [headers, body]) {
      assert.ok(stalled.closed, 'the server closed the connection')
      assert.match(stalled.answer, /^HTTP\/1\.1 408/)
    }
  })

  it('sends security headers with Swagger UI, and leaves JSON routes without them', async () => {
    const page = await fetch(`${server.base}/docs/`)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN')
    await page.body?.cancel()
    const json = await fetch(`${server.base}/things`)
    assert.equal(json.status, 200)
    assert.equal(json.headers.get('content-security-policy'), null)
    await json.body?.cancel()
  })
})
