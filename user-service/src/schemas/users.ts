import { PageQuery, textLine } from '@shop/platform'
import { IdempotencyHeaders } from '@shop/platform/postgres'
import { z } from 'zod'
import type { UserRecord } from '../users-repository.js'

/** Kept only as an argon2id hash; never answered, logged or traced. */
export const Password = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(128, 'must be at most 128 characters')
  .describe('12 to 128 characters; kept only as an argon2id hash')

export const CreateUserBody = z
  .strictObject({
    email: z
      .string()
      .trim()
      .max(254)
      .check(z.email())
      .describe('Kept as typed; unique regardless of case'),
    full_name: textLine(200),
    password: Password,
  })
  .meta({
    example: {
      email: 'ada@example.com',
      full_name: 'Ada Lovelace',
      password: 'correct horse battery staple',
    },
  })
export type CreateUserBody = z.output<typeof CreateUserBody>

export const CreateUserHeaders = IdempotencyHeaders

const EXAMPLE_USER = {
  id: 42,
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  created_at: '2026-01-15T09:30:00.000Z',
}

export const User = z
  .object({
    id: z.number().int(),
    email: z.string(),
    full_name: z.string(),
    created_at: z.iso.datetime(),
  })
  .meta({ example: EXAMPLE_USER })
export type User = z.output<typeof User>

export const UserList = z.array(User).meta({ example: [EXAMPLE_USER] })

// Unknown query parameters are refused rather than ignored, so a typo never passes unnoticed.
export const ListUsersQuery = z.strictObject(PageQuery.shape)

export function toUser(user: UserRecord): User {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    created_at: user.createdAt.toISOString(),
  }
}
