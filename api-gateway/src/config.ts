import {
  AuthConfig,
  BaseConfig,
  commaSeparated,
  env,
  metricsConfig,
  origin,
  parseConfig,
  replicaUrls,
} from '@shop/platform'
import type { z } from 'zod'

export const Config = BaseConfig.extend({
  PORT: env.port(8080),
  ...metricsConfig(9080),
  USER_SERVICE_URL: replicaUrls('http://127.0.0.1:8001'),
  ORDER_SERVICE_URL: replicaUrls('http://127.0.0.1:8002'),
  UPSTREAM_TIMEOUT_MS: env.positiveInt(10_000),
  DNS_REFRESH_MS: env.positiveInt(5_000),
  REDIS_URL: env.redisUrl().optional(),
  RATE_LIMIT_MAX: env.positiveInt(300),
  RATE_LIMIT_CREDENTIALS_MAX: env.positiveInt(10),
  RATE_LIMIT_WINDOW_MS: env.positiveInt(60_000),
  TRUST_PROXY_HOPS: env.count(0),
  CORS_ORIGINS: commaSeparated('', origin, 0),
  BODY_LIMIT_BYTES: env.positiveInt(1_048_576),
  ...AuthConfig.shape,
})
export type Config = z.output<typeof Config>

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}
