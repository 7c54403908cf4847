import { BaseConfig, env, parseConfig } from '@shop/platform'
import { z } from 'zod'

function commaList(value: string) {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

/** A base URL the gateway prefixes with the proxied path: scheme, host and port only. */
const BaseUrl = env.httpUrl().refine((value) => {
  const url = new URL(value)
  return (
    (url.pathname === '/' || url.pathname === '') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  )
}, 'must be a base URL without path, query or credentials (e.g. http://user-service:8001)')

/** `http://a:8001,http://b:8001`: replicas of one upstream, each possibly a name with many addresses. */
const UrlList = (fallback: string) =>
  z.string().default(fallback).transform(commaList).pipe(z.array(BaseUrl).min(1, 'lists no URL'))

const Origin = z.union([
  z.literal('*'),
  env
    .httpUrl()
    .refine((value) => new URL(value).origin === value.replace(/\/$/, ''), {
      message: 'must be an origin such as https://shop.example (no path)',
    })
    .transform((value) => new URL(value).origin),
])

export const Config = BaseConfig.extend({
  PORT: env.port(8080),
  USER_SERVICE_URL: UrlList('http://127.0.0.1:8001'),
  ORDER_SERVICE_URL: UrlList('http://127.0.0.1:8002'),
  UPSTREAM_TIMEOUT_MS: env.positiveInt(10_000),
  DNS_REFRESH_MS: env.positiveInt(5_000),
  REDIS_URL: env.redisUrl().optional(),
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_WINDOW_MS: env.positiveInt(60_000),
  CORS_ORIGINS: z.string().default('').transform(commaList).pipe(z.array(Origin)),
  BODY_LIMIT_BYTES: env.positiveInt(1_048_576),
})
export type Config = z.output<typeof Config>

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}
