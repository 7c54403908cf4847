import {
  AuthConfig,
  BaseConfig,
  env,
  metricsConfig,
  parseConfig,
  replicaUrls,
} from '@shop/platform'
import { IdempotencyConfig } from '@shop/platform/postgres'
import { z } from 'zod'

// BullMQ keys are `<prefix>:<queue>:<id>`: a ':' in the name would corrupt them.
const queueName = () =>
  z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'must be 1 to 100 letters, digits, _ . or -')
    .default('orders')

// Every key of the queue starts `<prefix>:`. On Redis Cluster a queue's keys must share a hash
// slot, so the prefix carries a hash tag there: `{shop}`.
const queuePrefix = () =>
  z
    .string()
    .regex(
      /^(?=.)[\w.-]*(\{[\w.-]+\})?[\w.-]*$/,
      'must be letters, digits, _ . or -, with at most one {hash tag}, e.g. {shop}',
    )
    .max(100)
    .default('bull')

export const ApiConfig = BaseConfig.extend({
  PORT: env.port(8002),
  ...metricsConfig(9002),
  DATABASE_URL: env.postgresUrl(),
  REDIS_URL: env.redisUrl(),
  USER_SERVICE_URL: replicaUrls('http://127.0.0.1:8001'),
  DNS_REFRESH_MS: env.positiveInt(5_000),
  USER_SERVICE_TIMEOUT_MS: env.positiveInt(2_000),
  ORDER_QUEUE_NAME: queueName(),
  ORDER_QUEUE_PREFIX: queuePrefix(),
  ORDER_MAX_ATTEMPTS: env.positiveInt(5),
  ORDER_BACKOFF_MS: env.milliseconds(1_000),
  OUTBOX_SWEEP_INTERVAL_MS: env.positiveInt(5_000),
  // Ten times the worker's default lock duration: an order unfinished and unchanged for that
  // long has its job looked for in the queue, and queued again if Redis lost it.
  OUTBOX_REQUEUE_AFTER_MS: env.positiveInt(300_000),
  ...IdempotencyConfig.shape,
  ...AuthConfig.shape,
})
export type ApiConfig = z.output<typeof ApiConfig>

/** What the migrate-only entry point reads: the database and nothing else. */
export const MigrateConfig = ApiConfig.pick({ DATABASE_URL: true })

export const WorkerConfig = BaseConfig.extend({
  WORKER_PORT: env.port(8003),
  ...metricsConfig(9003),
  DATABASE_URL: env.postgresUrl(),
  REDIS_URL: env.redisUrl(),
  ORDER_QUEUE_NAME: queueName(),
  ORDER_QUEUE_PREFIX: queuePrefix(),
  WORKER_CONCURRENCY: env.positiveInt(4),
  PROCESSING_DELAY_MS: env.milliseconds(500),
  PAYMENT_FAILURE_RATE: env.ratio(0),
  // BullMQ's defaults: a job whose worker vanished is retried ~30-60 s later.
  WORKER_LOCK_DURATION_MS: env.positiveInt(30_000),
  WORKER_STALLED_INTERVAL_MS: env.positiveInt(30_000),
})
export type WorkerConfig = z.output<typeof WorkerConfig>

/** Shorter passwords are refused where other machines can reach the board. */
const MIN_REACHABLE_PASSWORD_LENGTH = 16
const isLoopback = (address: string) =>
  /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i.test(address)

export const BoardConfig = BaseConfig.extend({
  BULL_BOARD_PORT: env.port(5555),
  ...metricsConfig(9555),
  REDIS_URL: env.redisUrl(),
  ORDER_QUEUE_NAME: queueName(),
  ORDER_QUEUE_PREFIX: queuePrefix(),
  BULL_BOARD_USER: z.string().optional(),
  BULL_BOARD_PASSWORD: z.string().optional(),
  BULL_BOARD_AUTH: env.flag(true),
  BULL_BOARD_READ_ONLY: env.flag(true),
  BULL_BOARD_MAX_FAILED_LOGINS: env.positiveInt(10),
  BULL_BOARD_LOGIN_WINDOW_MS: env.positiveInt(15 * 60_000),
  // Where the board is reachable when that is not HOST: a container listens on 0.0.0.0 and
  // compose publishes its port on this host address.
  BULL_BOARD_PUBLISHED_ADDRESS: z.string().optional(),
}).superRefine((config, context) => {
  if (!config.BULL_BOARD_AUTH) return
  const missing = (['BULL_BOARD_USER', 'BULL_BOARD_PASSWORD'] as const).filter(
    (name) => config[name] === undefined,
  )
  if (missing.length > 0) {
    context.addIssue({
      code: 'custom',
      path: [missing[0] as string],
      message: `${missing.join(' and ')} must be set for the dashboard's Basic auth (or set BULL_BOARD_AUTH=off)`,
    })
    return
  }
  const reachableOn = config.BULL_BOARD_PUBLISHED_ADDRESS ?? config.HOST
  const password = config.BULL_BOARD_PASSWORD ?? ''
  if (password.length < MIN_REACHABLE_PASSWORD_LENGTH && !isLoopback(reachableOn)) {
    context.addIssue({
      code: 'custom',
      path: ['BULL_BOARD_PASSWORD'],
      message: `a password under ${MIN_REACHABLE_PASSWORD_LENGTH} characters is refused where the board is reachable beyond loopback (on ${reachableOn}): set BULL_BOARD_PASSWORD to a longer password of your own`,
    })
  }
})
export type BoardConfig = z.output<typeof BoardConfig>

export const loadConfig = (environment = process.env) => parseConfig(ApiConfig, environment)
export const loadWorkerConfig = (environment = process.env) =>
  parseConfig(WorkerConfig, environment)
export const loadMigrateConfig = (environment = process.env) =>
  parseConfig(MigrateConfig, environment)
export const loadBoardConfig = (environment = process.env) => parseConfig(BoardConfig, environment)
