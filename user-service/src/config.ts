import { AuthConfig, BaseConfig, env, parseConfig } from '@shop/platform'
import { IdempotencyConfig } from '@shop/platform/postgres'
import type { z } from 'zod'

export const Config = BaseConfig.extend({
  PORT: env.port(8001),
  DATABASE_URL: env.postgresUrl(),
  ...IdempotencyConfig.shape,
  ...AuthConfig.shape,
})
export type Config = z.output<typeof Config>

/** What the migrate-only entry point reads: the database and nothing else. */
export const MigrateConfig = Config.pick({ DATABASE_URL: true })

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}

export const loadMigrateConfig = (environment: NodeJS.ProcessEnv = process.env) =>
  parseConfig(MigrateConfig, environment)
