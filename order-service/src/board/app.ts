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
import { type LoginGuard, loginGuard } from './login-guard.js'

/** The dashboard lives at the root; the adapter's base path and the plugin prefix must agree. */
const BASE_PATH = '/'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function credentialsCheck(user: string, password: string) {
  const expected = Buffer.concat([digest(user), digest(password)])
  return (givenUser: string, givenPassword: string) =>
    timingSafeEqual(Buffer.concat([digest(givenUser), digest(givenPassword)]), expected)
}

async function requireBasicAuth(
  board: FastifyInstance,
  { user, password, guard }: { user: string; password: string; guard: LoginGuard },
) {
  const matches = credentialsCheck(user, password)
  await board.register(basicAuth, {
    authenticate: { realm: 'bull-board' },
    validate: async (givenUser, givenPassword) => {
      if (!matches(givenUser, givenPassword)) throw new Error('wrong credentials')
    },
  })
  board.addHook('onRequest', async (request, reply) => {
    if (await guard.lockedOut(request, reply)) return reply
    const error = await new Promise<Error | undefined>((resolve) =>
      board.basicAuth(request, reply, (failure?: Error) => resolve(failure)),
    )
    if (!error) return
    // Only a wrong password counts: a browser's first request carries none.
    if (request.headers.authorization !== undefined && (await guard.failed(request, reply))) {
      return reply
    }
    // The plugin has set WWW-Authenticate; answer in the house format and stop here.
    return sendProblem(reply, 401, 'valid Basic credentials are required')
  })
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The adapter's read-only mode hides the UI's actions; this refuses any change outright. */
function refuseChanges(board: FastifyInstance) {
  board.addHook('preHandler', async (request, reply) => {
    if (READS.has(request.method)) return
    return sendProblem(
      reply,
      403,
      'the dashboard is read-only; BULL_BOARD_READ_ONLY=false allows changes to the queue',
    )
  })
}

/**
 * Bull Board for the orders queue, behind HTTP Basic auth (except `/healthz`, `/readyz`,
 * `/metrics`), with failed logins limited per address, and read-only unless configured not to be. Built apart from its entry point so tests can drive it with `inject`.
 */
export async function buildBoard(config: BoardConfig) {
  const { BULL_BOARD_AUTH: auth, BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password } = config
  const readOnly = config.BULL_BOARD_READ_ONLY
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
      const guard = loginGuard({
        maxFailures: config.BULL_BOARD_MAX_FAILED_LOGINS,
        windowMs: config.BULL_BOARD_LOGIN_WINDOW_MS,
      })
      await requireBasicAuth(board, { user, password, guard })
    }
    if (readOnly) refuseChanges(board)
    refuseNulCharacters(board)
    const serverAdapter = new FastifyAdapter()
    serverAdapter.setBasePath(BASE_PATH)
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: readOnly })],
      serverAdapter,
    })
    await board.register(serverAdapter.registerPlugin(), { prefix: BASE_PATH })
  })
  return app
}
