import { HttpProblem } from '@shop/platform'
import { type ServiceDatabase, type StoredResponse, withIdempotency } from '@shop/platform/postgres'
import { idempotencyKeys } from './db/schema.js'
import type { PasswordHasher } from './identity/passwords.js'
import { type CreateUserBody, toUser, type User } from './schemas/users.js'
import { EmailTakenError, type UsersRepository } from './users-repository.js'

export interface CreateUserDeps {
  db: ServiceDatabase
  users: Pick<UsersRepository, 'insert'>
  passwords: Pick<PasswordHasher, 'hash'>
}

/**
 * The story of a registration: hash the password (before any connection is taken, as it
 * takes tens of milliseconds) → (replay a repeated request) → insert the user, with the
 * answer to its idempotency key, in one transaction; an email taken in any case is a 409.
 * The key's fingerprint leaves the password out: it is kept only as its hash.
 */
export async function createUser(
  deps: CreateUserDeps,
  body: CreateUserBody,
  idempotencyKey?: string,
) {
  const { password, ...fingerprinted } = body
  const passwordHash = await deps.passwords.hash(password)
  return withIdempotency<User>(
    deps.db,
    idempotencyKeys,
    idempotencyKey,
    fingerprinted,
    async (tx): Promise<StoredResponse<User>> => {
      try {
        const user = await deps.users.insert(
          { email: body.email, fullName: body.full_name, passwordHash },
          tx,
        )
        return { statusCode: 201, body: toUser(user), location: `/users/${user.id}` }
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpProblem(409, error.message)
        throw error
      }
    },
  )
}
