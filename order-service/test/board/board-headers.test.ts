import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildBoard } from '../../src/board/app.js'
import { loadBoardConfig } from '../../src/config.js'
import { startTestRedis, uniqueName } from '../helpers.js'

describe('Bull Board', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>
  let board: Awaited<ReturnType<typeof buildBoard>>
  before(async () => {
    redis = await startTestRedis()
    board = await buildBoard(
      loadBoardConfig({
        LOG_LEVEL: 'silent',
        REDIS_URL: redis.url,
        ORDER_QUEUE_NAME: uniqueName('orders'),
        BULL_BOARD_USER: 'board',
        BULL_BOARD_PASSWORD: 'a long test password',
      }),
    )
  })
  after(async () => {
    await board?.close()
    await redis?.stop()
  })

  it('serves its page with security headers: a Content-Security-Policy, no framing, no sniffing', async () => {
    const credentials = Buffer.from('board:a long test password').toString('base64')
    const page = await board.inject({
      url: '/',
      headers: { authorization: `Basic ${credentials}` },
    })
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-type']), /text\/html/)
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/)
    assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN')
    assert.equal(page.headers['x-content-type-options'], 'nosniff')
  })

  it('serves /metrics on its metrics listener without a login, and not on its own port', async () => {
    const credentials = Buffer.from('board:a long test password').toString('base64')
    const hidden = await board.inject({
      url: '/metrics',
      headers: { authorization: `Basic ${credentials}` },
    })
    assert.equal(hidden.statusCode, 404)
    const metrics = await board.metricsServer.inject({ url: '/metrics' })
    assert.equal(metrics.statusCode, 200)
    assert.match(metrics.body, /^# TYPE process_cpu_user_seconds_total counter$/m)
  })

  it('leaves its probes without them', async () => {
    const probe = await board.inject({ url: '/healthz' })
    assert.equal(probe.statusCode, 200)
    assert.equal(probe.headers['content-security-policy'], undefined)
  })
})
