import {
  byIdRouteSchema,
  foundOr404,
  HttpProblem,
  pageRouteSchema,
  paginate,
  problemResponse,
  problemResponses,
  type ServiceApp,
} from '@shop/platform'
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
import { AUTH_CHALLENGE } from './tokens.js'

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
          'Answers 201 with a `Location` header. With an `Idempotency-Key`, a repeat of the same ' +
          'request replays the first answer (header `idempotent-replayed: true`).',
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
      const result = await createUser(
        { db: app.db, users, passwords },
        request.body,
        request.headers['idempotency-key'],
      )
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
          summary: 'List users by id, one page at a time',
          querystring: ListUsersQuery,
          page: UserList.describe('One page of users, by id'),
        }),
      },
    },
    async (request, reply) => {
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
    async (request, reply) => {
      const caller = request.caller
      if (!caller) {
        reply.header('www-authenticate', AUTH_CHALLENGE)
        throw new HttpProblem(401, 'a bearer token is required')
      }
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
          description: 'The user with this id; 404 when there is none.',
          row: User.describe('The user'),
          notFoundExample: 'user 42 does not exist',
        }),
      },
    },
    async (request) =>
      toUser(foundOr404(await users.findById(request.params.id), 'user', request.params.id)),
  )
}
