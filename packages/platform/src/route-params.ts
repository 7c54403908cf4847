import { z } from 'zod'

/** Ids are PostgreSQL `integer` identities: anything outside 1..2^31-1 cannot exist. */
export const MAX_ID = 2_147_483_647

/** A whole number written in decimal digits only, within `min..max`; never clamped. */
export function decimalInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
}

export const Id = decimalInteger(1, MAX_ID)
export const IdParams = z.object({ id: Id })
/** For routes that take no query parameters: an unknown one is refused, never ignored. */
export const NoQuery = z.strictObject({})
