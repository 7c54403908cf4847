import { AuthConfig, BaseConfig, env, metricsConfig, parseConfig } from '@shop/platform'
import { IdempotencyConfig } from '@shop/platform/postgres'
import { z } from 'zod'

/** The password hash's cost: see README "Passwords" for why these defaults. */
const PasswordConfig = z.object({
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(8_192).max(1_048_576).default(19_456),
  PASSWORD_HASH_ITERATIONS: z.coerce.number().int().min(1).max(10).default(2),
  PASSWORD_HASH_CONCURRENCY: env.positiveInt(2),
  /** Hashes waiting for a slot beyond this → 503 with Retry-After, not an ever-longer queue. */
  PASSWORD_HASH_QUEUE_MAX: env.positiveInt(64),
})

/** The issuer's side of the identity contract (AUTH_ISSUER and AUTH_AUDIENCE are AuthConfig's). */
const IssuerConfig = z.object({
  AUTH_TOKEN_TTL_S: z.coerce.number().int().min(60).max(3_600).default(900),
  /** A JSON JWK set of private keys; the first signs, all are published. */
  AUTH_SIGNING_KEYS: z.string().optional(),
  /** A file holding that JWK set (a mounted Secret). */
  AUTH_SIGNING_KEYS_FILE: z.string().optional(),
  /** Without either, a key is generated once and kept here. */
  AUTH_KEYS_DIR: z.string().default('.data/user-service'),
})

const BootstrapAdminConfig = z.object({
  SHOP_ADMIN_EMAIL: z.email().default('admin@shop.local'),
  SHOP_ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
  /** Where a generated admin password is written (0600); beside the keys by default. */
  SHOP_ADMIN_PASSWORD_FILE: z.string().optional(),
})

export const Config = BaseConfig.extend({
  PORT: env.port(8001),
  ...metricsConfig(9001),
  DATABASE_URL: env.postgresUrl(),
  ...IdempotencyConfig.shape,
  ...AuthConfig.shape,
  ...PasswordConfig.shape,
  ...IssuerConfig.shape,
  ...BootstrapAdminConfig.shape,
})
export type Config = z.output<typeof Config>

/** What the migrate-only entry point reads: the database and nothing else. */
export const MigrateConfig = Config.pick({ DATABASE_URL: true })

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}

export const loadMigrateConfig = (environment: NodeJS.ProcessEnv = process.env) =>
  parseConfig(MigrateConfig, environment)
