import { HttpProblem } from '@shop/platform'
import { type ServiceDatabase, type StoredResponse, withIdempotency } from '@shop/platform/postgres'
import { idempotencyKeys } from './db/schema.js'
import { type CreateUserBody, toUser, type User } from './schemas/users.js'
import { EmailTakenError, type UsersRepository } from './users-repository.js'

export interface CreateUserDeps {
  db: ServiceDatabase
  users: Pick<UsersRepository, 'insert'>
}

/**
 * The story of a registration: (replay a repeated request) → insert the user, with the answer
 * to its idempotency key, in one transaction; an email taken in any case is a 409.
 */
export function createUser(deps: CreateUserDeps, body: CreateUserBody, idempotencyKey?: string) {
  return withIdempotency<User>(
    deps.db,
    idempotencyKeys,
    idempotencyKey,
    body,
    async (tx): Promise<StoredResponse<User>> => {
      try {
        const user = await deps.users.insert({ email: body.email, fullName: body.full_name }, tx)
        return { statusCode: 201, body: toUser(user), location: `/users/${user.id}` }
      } catch (error) {
        if (error instanceof EmailTakenError) throw new HttpProblem(409, error.message)
        throw error
      }
    },
  )
}
