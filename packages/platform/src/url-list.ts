import { z } from 'zod'

/** One list item, parsed: the value kept, or what is wrong with it. */
export type ListItem = { value: string } | { problem: string }

function httpUrl(value: string) {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/** A base URL that paths are appended to: scheme, host and port only, kept as its origin. */
export function baseUrl(value: string): ListItem {
  const url = httpUrl(value)
  if (!url) return { problem: 'is not an http:// or https:// URL' }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
  if (!bare) {
    return {
      problem:
        'must be a base URL without path, query or credentials (e.g. http://user-service:8001)',
    }
  }
  return { value: url.origin }
}

/** An origin such as `https://shop.example`, or `*`. */
export function origin(value: string): ListItem {
  if (value === '*') return { value }
  const url = httpUrl(value)
  if (!url || url.origin !== value.replace(/\/$/, '')) {
    return { problem: 'must be an origin such as https://shop.example (no path)' }
  }
  return { value: url.origin }
}

/**
 * A comma-separated variable, each item checked by `parse`. Problems name the item but sit
 * on the variable itself, so the message reads `USER_SERVICE_URL="…": "…" must be …`.
 */
export const commaSeparated = (
  fallback: string,
  parse: (item: string) => ListItem,
  minItems: number,
) =>
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

/**
 * `http://a:8001,http://b:8001`: the replicas of one upstream, for a ReplicaBalancer; a host
 * name among them stands for every address it resolves to.
 */
export const replicaUrls = (fallback: string) => commaSeparated(fallback, baseUrl, 1)
