import { BaseConfig, env, IdempotencyConfig, parseConfig } from '@shop/platform'
import { z } from 'zod'

// BullMQ keys are `bull:<queue>:<id>`: a ':' in the name would corrupt them.
const queueName = () =>
  z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'must be 1 to 100 letters, digits, _ . or -')
    .default('orders')

/** A comma-separated list of base URLs, one per replica. */
const urlList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim().replace(/\/+$/, ''))
        .filter((url) => url !== ''),
    )
    .pipe(z.array(env.httpUrl()).min(1, 'must list at least one URL'))

export const ApiConfig = BaseConfig.extend({
  PORT: env.port(8002),
  DATABASE_URL: env.postgresUrl(),
  REDIS_URL: env.redisUrl(),
  USER_SERVICE_URL: urlList('http://127.0.0.1:8001'),
  USER_SERVICE_TIMEOUT_MS: env.positiveInt(2_000),
  ORDER_QUEUE_NAME: queueName(),
  ORDER_MAX_ATTEMPTS: env.positiveInt(5),
  ORDER_BACKOFF_MS: env.milliseconds(1_000),
  OUTBOX_SWEEP_INTERVAL_MS: env.positiveInt(5_000),
  ...IdempotencyConfig.shape,
})
export type ApiConfig = z.output<typeof ApiConfig>

export const WorkerConfig = BaseConfig.extend({
  WORKER_PORT: env.port(8003),
  DATABASE_URL: env.postgresUrl(),
  REDIS_URL: env.redisUrl(),
  ORDER_QUEUE_NAME: queueName(),
  WORKER_CONCURRENCY: env.positiveInt(4),
  PROCESSING_DELAY_MS: env.milliseconds(500),
  PAYMENT_FAILURE_RATE: env.ratio(0),
  // BullMQ's defaults: a job whose worker vanished is retried ~30-60 s later.
  WORKER_LOCK_DURATION_MS: env.positiveInt(30_000),
  WORKER_STALLED_INTERVAL_MS: env.positiveInt(30_000),
})
export type WorkerConfig = z.output<typeof WorkerConfig>

export const BoardConfig = BaseConfig.extend({
  BULL_BOARD_PORT: env.port(5555),
  REDIS_URL: env.redisUrl(),
  ORDER_QUEUE_NAME: queueName(),
  BULL_BOARD_USER: z.string().optional(),
  BULL_BOARD_PASSWORD: z.string().optional(),
  BULL_BOARD_AUTH: env.flag(true),
}).superRefine((config, context) => {
  if (!config.BULL_BOARD_AUTH) return
  const missing = (['BULL_BOARD_USER', 'BULL_BOARD_PASSWORD'] as const).filter(
    (name) => config[name] === undefined,
  )
  if (missing.length === 0) return
  context.addIssue({
    code: 'custom',
    path: [missing[0] as string],
    message: `${missing.join(' and ')} must be set for the dashboard's Basic auth (or set BULL_BOARD_AUTH=off)`,
  })
})
export type BoardConfig = z.output<typeof BoardConfig>

export const loadConfig = (environment = process.env) => parseConfig(ApiConfig, environment)
export const loadWorkerConfig = (environment = process.env) =>
  parseConfig(WorkerConfig, environment)
export const loadBoardConfig = (environment = process.env) => parseConfig(BoardConfig, environment)
