import {
  assertAdmin,
  byIdRouteSchema,
  callerOf,
  foundOr404,
  HttpProblem,
  mayActFor,
  pageRouteSchema,
  paginate,
  problemResponse,
  problemResponses,
  type ServiceApp,
} from '@shop/platform'
import { scopedIdempotencyKey } from '@shop/platform/postgres'
import { createUser } from '../create-user.js'
import type { PasswordHasher } from '../identity/passwords.js'
import {
  CreateUserBody,
  CreateUserHeaders,
  ListUsersQuery,
  toUser,
  User,
  UserList,
} from '../schemas/users.js'
import type { UsersRepository } from '../users-repository.js'

export const USERS_TAG = { name: 'users', description: 'Registering and looking up users' }
const tags = [USERS_TAG.name]

export interface UsersRoutesOptions {
  users: UsersRepository
  passwords: Pick<PasswordHasher, 'hash'>
}

export async function usersRoutes(app: ServiceApp, { users, passwords }: UsersRoutesOptions) {
  app.post(
    '/users',
    {
      config: { public: true },
      schema: {
        tags,
        operationId: 'createUser',
        summary: 'Register a user',
        description:
          'Public: signing up needs no token. Answers 201 with a `Location` header. With an ' +
          '`Idempotency-Key` (scoped to the email), a repeat of the same request replays the ' +
          'first answer (header `idempotent-replayed: true`).',
        headers: CreateUserHeaders,
        body: CreateUserBody,
        response: {
          201: User.describe('The user, registered'),
          ...problemResponses(400),
          409: problemResponse(409, {
            description:
              'The email is taken (whatever its case), or a request with this Idempotency-Key is still in progress',
            detail: 'a user with email ada@example.com already exists',
          }),
          ...problemResponses(413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      // Anonymous: the key is the email's, so another client's key can neither collide
      // with it nor learn that it exists.
      const scope = ['email', request.body.email.toLowerCase()]
      const key = scopedIdempotencyKey(scope, request.headers['idempotency-key'])
      const result = await createUser({ db: app.db, users, passwords }, request.body, key)
      if (result.replayed) reply.header('idempotent-replayed', 'true')
      if (result.location) reply.header('location', result.location)
      return reply.code(201).send(result.body)
    },
  )

  app.get(
    '/users',
    {
      schema: {
        tags,
        ...pageRouteSchema({
          operationId: 'listUsers',
          summary: 'List users by id, one page at a time (admin only)',
          querystring: ListUsersQuery,
          page: UserList.describe('One page of users, by id'),
        }),
      },
    },
    async (request, reply) => {
      assertAdmin(callerOf(request), 'list users')
      const rows = await users.listPage(request.query)
      return paginate(request, reply, rows, request.query.limit).map(toUser)
    },
  )

  // Registered before /users/:id, though find-my-way would prefer the static path anyway.
  app.get(
    '/users/me',
    {
      schema: {
        tags,
        operationId: 'getCurrentUser',
        summary: 'The user the bearer token names',
        description: 'How a customer learns their own id.',
        response: {
          200: User.describe('The caller'),
          401: problemResponse(401, {
            description: 'No valid bearer token was sent',
            detail: 'a bearer token is required',
          }),
          ...problemResponses(404, 503),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request)
      return toUser(foundOr404(await users.findById(caller.userId), 'user', caller.userId))
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        ...byIdRouteSchema({
          operationId: 'getUser',
          summary: 'Get one user',
          description:
            'The user with this id, for that user or an admin; 404 when there is none or it ' +
            "is another customer's.",
          row: User.describe('The user'),
          notFoundExample: 'user 42 does not exist',
        }),
      },
    },
    async (request) => {
      const { id } = request.params
      // Another customer's account answers as a missing one: existence must not leak.
      if (!mayActFor(callerOf(request), id)) throw new HttpProblem(404, `user ${id} does not exist`)
      return toUser(foundOr404(await users.findById(id), 'user', id))
    },
  )
}
