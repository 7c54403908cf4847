import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Queue } from 'bullmq'
import { buildBoard } from '../src/board/app.js'
import { loadBoardConfig } from '../src/config.js'
import { startTestRedis, uniqueName } from './helpers.js'

const USER = 'board'
const PASSWORD = 'a long test password'
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe("Bull Board's doors", () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>
  before(async () => {
    redis = await startTestRedis()
  })
  after(async () => {
    await redis?.stop()
  })

  async function boardWith(env: Record<string, string> = {}) {
    const queueName = uniqueName('orders')
    const board = await buildBoard(
      loadBoardConfig({
        LOG_LEVEL: 'silent',
        REDIS_URL: redis.url,
        ORDER_QUEUE_NAME: queueName,
        BULL_BOARD_USER: USER,
        BULL_BOARD_PASSWORD: PASSWORD,
        ...env,
      }),
    )
    const queue = new Queue(queueName, { connection: { url: redis.url } })
    await queue.add('order', { orderId: 1 }, { jobId: 'order-1', delay: 60_000 })
    return {
      board,
      queue,
      async close() {
        await queue.close()
        await board.close()
      },
    }
  }

  describe('read-only by default', () => {
    it('refuses every change to the queue with a 403 problem, and the queue is untouched', async () => {
      const { board, queue, close } = await boardWith()
      try {
        const authorization = basic(USER, PASSWORD)
        const name = queue.name
        const changes = [
          { method: 'PUT' as const, url: `/api/queues/${name}/pause` },
          { method: 'PUT' as const, url: `/api/queues/${name}/clean/delayed` },
          { method: 'PUT' as const, url: `/api/queues/${name}/empty` },
          { method: 'PUT' as const, url: `/api/queues/${name}/order-1/promote` },
          { method: 'PUT' as const, url: `/api/queues/${name}/order-1/clean` },
          { method: 'PUT' as const, url: '/api/queues/pause' },
          { method: 'PUT' as const, url: `/api/queues/${name}/obliterate` },
          {
            method: 'POST' as const,
            url: `/api/queues/${name}/add`,
            payload: { name: 'x', data: {} },
          },
        ]
        for (const change of changes) {
          const answer = await board.inject({ ...change, headers: { authorization } })
          assert.equal(answer.statusCode, 403, `${change.method} ${change.url}`)
          assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8')
        }
        assert.equal(await queue.isPaused(), false)
        assert.deepEqual(await queue.getJobCounts('delayed', 'waiting'), { delayed: 1, waiting: 0 })
        const read = await board.inject({
          url: `/api/queues?activeQueue=${name}`,
          headers: { authorization },
        })
        assert.equal(read.statusCode, 200)
      } finally {
        await close()
      }
    })

    it('changes the queue when BULL_BOARD_READ_ONLY=false', async () => {
      const { board, queue, close } = await boardWith({ BULL_BOARD_READ_ONLY: 'false' })
      try {
        const answer = await board.inject({
          method: 'PUT',
          url: `/api/queues/${queue.name}/pause`,
          headers: { authorization: basic(USER, PASSWORD) },
        })
        assert.equal(answer.statusCode, 200)
        assert.equal(await queue.isPaused(), true)
      } finally {
        await close()
      }
    })
  })

  describe('failed logins', () => {
    it('lock an address out after the limit, the right password included, with Retry-After', async () => {
      const { board, close } = await boardWith({
        BULL_BOARD_MAX_FAILED_LOGINS: '3',
        BULL_BOARD_LOGIN_WINDOW_MS: '60000',
      })
      try {
        const from = (authorization: string, remoteAddress = '127.0.0.7') =>
          board.inject({ url: '/api/queues', headers: { authorization }, remoteAddress })
        // A browser's first request carries no credentials: it is not a failure.
        for (let i = 0; i < 5; i++) {
          const bare = await board.inject({ url: '/api/queues', remoteAddress: '127.0.0.7' })
          assert.equal(bare.statusCode, 401)
        }
        for (let i = 0; i < 3; i++) {
          assert.equal((await from(basic(USER, `guess ${i}`))).statusCode, 401)
        }
        const locked = await from(basic(USER, 'guess 4'))
        assert.equal(locked.statusCode, 429)
        assert.ok(Number(locked.headers['retry-after']) > 0)
        assert.equal(locked.headers['content-type'], 'application/problem+json; charset=utf-8')
        assert.equal((await from(basic(USER, PASSWORD))).statusCode, 429, 'still locked out')
        // Another address is not held back by this one's guesses.
        assert.equal((await from(basic(USER, PASSWORD), '127.0.0.8')).statusCode, 200)
      } finally {
        await close()
      }
    })
  })

  describe('its password', () => {
    it('refuses one under 16 characters where the board is reachable beyond loopback', () => {
      const env = {
        REDIS_URL: redis.url,
        BULL_BOARD_USER: USER,
        BULL_BOARD_PASSWORD: 'fifteen chars!!',
        HOST: '0.0.0.0',
      }
      assert.throws(() => loadBoardConfig(env), /under 16 characters .* set BULL_BOARD_PASSWORD/)
      assert.throws(
        () =>
          loadBoardConfig({ ...env, HOST: '127.0.0.1', BULL_BOARD_PUBLISHED_ADDRESS: '192.0.2.1' }),
        /under 16 characters/,
      )
      assert.doesNotThrow(() => loadBoardConfig({ ...env, BULL_BOARD_PASSWORD: PASSWORD }))
      assert.doesNotThrow(() => loadBoardConfig({ ...env, HOST: '127.0.0.1' }))
    })
  })
})
