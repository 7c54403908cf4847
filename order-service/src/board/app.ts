import { createHash, timingSafeEqual } from 'node:crypto'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import basicAuth from '@fastify/basic-auth'
import {
  ConfigError,
  createServiceApp,
  health,
  registerHtmlPages,
  sendProblem,
} from '@shop/platform'
import { createFailFastRedis } from '@shop/platform/redis'
import { Queue } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import type { BoardConfig } from '../config.js'
import { refuseNulCharacters } from './board-input.js'

/** The dashboard lives at the root; the adapter's base path and the plugin prefix must agree. */
const BASE_PATH = '/'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function credentialsCheck(user: string, password: string) {
  const expected = Buffer.concat([digest(user), digest(password)])
  return (givenUser: string, givenPassword: string) =>
    timingSafeEqual(Buffer.concat([digest(givenUser), digest(givenPassword)]), expected)
}

async function requireBasicAuth(board: FastifyInstance, user: string, password: string) {
  const matches = credentialsCheck(user, password)
  await board.register(basicAuth, {
    authenticate: { realm: 'bull-board' },
    validate: async (givenUser, givenPassword) => {
      if (!matches(givenUser, givenPassword)) throw new Error('wrong credentials')
    },
  })
  board.addHook('onRequest', (request, reply, done) => {
    board.basicAuth(request, reply, (error?: Error) => {
      if (!error) return done()
      // The plugin has set WWW-Authenticate; answer in the house format and stop here.
      sendProblem(reply, 401, 'valid Basic credentials are required')
    })
  })
}

/**
 * Bull Board for the orders queue, behind HTTP Basic auth (except `/healthz`, `/readyz`,
 * `/metrics`). Built apart from its entry point so tests can drive it with `inject`.
 */
export async function buildBoard(config: BoardConfig) {
  const { BULL_BOARD_AUTH: auth, BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password } = config
  if (auth && (user === undefined || password === undefined)) {
    throw new ConfigError(
      'BULL_BOARD_USER and BULL_BOARD_PASSWORD must be set (or BULL_BOARD_AUTH=off)',
    )
  }
  const app = await createServiceApp({ name: 'order-board', logLevel: config.LOG_LEVEL })
  // Fails fast while Redis is away, so the dashboard shows an error instead of hanging.
  const redis = createFailFastRedis(config.REDIS_URL)
  const queue = new Queue(config.ORDER_QUEUE_NAME, {
    connection: redis,
    prefix: config.ORDER_QUEUE_PREFIX,
  })
  queue.on('error', (error) => app.log.warn({ err: error }, 'order queue: redis error'))
  app.addHook('onClose', async () => {
    await queue.close().catch(() => {})
    redis.disconnect()
  })
  await app.register(health, { checks: { redis: () => redis.ping() } })

  await registerHtmlPages(app, async (board) => {
    if (auth && user !== undefined && password !== undefined) {
      await requireBasicAuth(board, user, password)
    }
    refuseNulCharacters(board)
    const serverAdapter = new FastifyAdapter()
    serverAdapter.setBasePath(BASE_PATH)
    createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter })
    await board.register(serverAdapter.registerPlugin(), { prefix: BASE_PATH })
  })
  return app
}
