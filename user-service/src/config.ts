import { BaseConfig, env, IdempotencyConfig, parseConfig } from '@shop/platform'
import type { z } from 'zod'

export const Config = BaseConfig.extend({
  PORT: env.port(8001),
  DATABASE_URL: env.postgresUrl(),
  ...IdempotencyConfig.shape,
})
export type Config = z.output<typeof Config>

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}
