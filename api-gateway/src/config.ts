import { BaseConfig, env, parseConfig } from '@shop/platform'
import { z } from 'zod'

type Item = { value: string } | { problem: string }

function httpUrl(value: string) {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/** A base URL the gateway prefixes with the proxied path: scheme, host and port only. */
function baseUrl(value: string): Item {
  const url = httpUrl(value)
  if (!url) return { problem: 'is not an http:// or https:// URL' }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
  if (!bare) {
    return {
      problem:
        'must be a base URL without path, query or credentials (e.g. http://user-service:8001)',
    }
  }
  return { value }
}

function origin(value: string): Item {
  if (value === '*') return { value }
  const url = httpUrl(value)
  if (!url || url.origin !== value.replace(/\/$/, '')) {
    return { problem: 'must be an origin such as https://shop.example (no path)' }
  }
  return { value: url.origin }
}

/**
 * A comma-separated list, each item checked by `parse`. Problems name the item but sit on
 * the variable itself, so the message reads `USER_SERVICE_URL="…": "…" must be …`.
 */
const commaSeparated = (fallback: string, parse: (item: string) => Item, minItems: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
      if (items.length < minItems) context.addIssue(`lists no item (expected ${minItems} or more)`)
      return items.flatMap((item) => {
        const result = parse(item)
        if ('value' in result) return [result.value]
        context.addIssue(
          items.length > 1 ? `${JSON.stringify(item)} ${result.problem}` : result.problem,
        )
        return []
      })
    })

/** `http://a:8001,http://b:8001`: replicas of one upstream, each possibly a name with many addresses. */
const UrlList = (fallback: string) => commaSeparated(fallback, baseUrl, 1)

export const Config = BaseConfig.extend({
  PORT: env.port(8080),
  USER_SERVICE_URL: UrlList('http://127.0.0.1:8001'),
  ORDER_SERVICE_URL: UrlList('http://127.0.0.1:8002'),
  UPSTREAM_TIMEOUT_MS: env.positiveInt(10_000),
  DNS_REFRESH_MS: env.positiveInt(5_000),
  REDIS_URL: env.redisUrl().optional(),
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_WINDOW_MS: env.positiveInt(60_000),
  CORS_ORIGINS: commaSeparated('', origin, 0),
  BODY_LIMIT_BYTES: env.positiveInt(1_048_576),
})
export type Config = z.output<typeof Config>

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(Config, environment)
}
