import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { useListeningApp } from './support/listening-app.js'

/** Writes `head` on a socket of its own and returns everything read until the server closes. */
function exchangeRaw(base: string, head: string) {
  const { port } = new URL(base)
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) })
    const chunks: Buffer[] = []
    socket.on('connect', () => socket.write(`${head}\r\n\r\n`))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error)
    })
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
  })
}

function parse(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  return {
    status: Number(head.slice(9, 12)),
    contentType: /content-type: ([^\r]*)/i.exec(head)?.[1] ?? '',
    body,
  }
}

describe('errors Fastify and Node answer before any route runs', () => {
  const server = useListeningApp((app) => {
    app.get('/things/:id', { schema: { params: z.object({ id: z.string() }) } }, async () => ({}))
  })

  it('answers a URL it cannot decode with a 400 problem', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/things/%ZZ' })
    assert.equal(response.statusCode, 400)
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
    assert.equal(response.json().status, 400)
  })

  it('answers a path parameter over the length limit with a 414 problem', async () => {
    const response = await server.app.inject({ method: 'GET', url: `/things/${'1'.repeat(200)}` })
    assert.equal(response.statusCode, 414)
    assert.equal(response.json().status, 414)
  })

  it('answers a request line with a control character with a 400 problem', async () => {
    const answer = parse(await exchangeRaw(server.base, 'GET /things/\u0001 HTTP/1.1\r\nHost: x'))
    assert.equal(answer.status, 400)
    assert.equal(answer.contentType, 'application/problem+json')
    assert.equal(JSON.parse(answer.body).status, 400)
  })

  it('answers a header with a NUL with a 400 problem', async () => {
    const answer = parse(
      await exchangeRaw(server.base, 'GET /things/1 HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b'),
    )
    assert.equal(answer.status, 400)
    assert.equal(JSON.parse(answer.body).status, 400)
  })

  it('answers HEAD without a body, so the client can read the answer', async () => {
    const raw = await exchangeRaw(server.base, 'HEAD /things/\u00ff HTTP/1.1\r\nHost: x')
    assert.equal(parse(raw).status, 400)
    assert.ok(raw.endsWith('\r\n\r\n'), `nothing after the headers: ${JSON.stringify(raw)}`)
  })

  it('answers headers over the size limit with a 431 problem', async () => {
    const answer = parse(
      await exchangeRaw(
        server.base,
        `GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`,
      ),
    )
    assert.equal(answer.status, 431)
    assert.equal(JSON.parse(answer.body).status, 431)
  })
})
