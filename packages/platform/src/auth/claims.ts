import type { JWTPayload } from 'jose'
import { MAX_ID } from '../route-params.js'

/** The value at a dotted path (`realm_access.roles`) of a token's claims. */
export function claimAt(claims: JWTPayload, path: string): unknown {
  let value: unknown = claims
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name)) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}

/** A shop user id (a decimal string or a number, 1..2^31-1), else undefined. */
export function shopUserId(value: unknown): number | undefined {
  const id =
    typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value)
      ? Number(value)
      : typeof value === 'number'
        ? value
        : Number.NaN
  return Number.isInteger(id) && id >= 1 && id <= MAX_ID ? id : undefined
}

/** Roles as an array of strings, or a space-separated string (as `scope` is); else none. */
export function rolesIn(value: unknown): readonly string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean)
  if (Array.isArray(value)) return value.filter((role) => typeof role === 'string')
  return []
}
