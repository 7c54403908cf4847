import {
  HttpProblem,
  IdParams,
  NoQuery,
  paginate,
  problemResponse,
  problemResponses,
  type StoredResponse,
  withIdempotency,
} from '@shop/platform'
import { drizzle } from 'drizzle-orm/node-postgres'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { idempotencyKeys } from '../db/schema.js'
import {
  CreateUserBody,
  CreateUserHeaders,
  ListUsersQuery,
  User,
  UserList,
} from '../schemas/users.js'
import { createUsersRepository, EmailTakenError, type UserRecord } from '../users-repository.js'

export const USERS_TAG = { name: 'users', description: 'Registering and looking up users' }
const tags = [USERS_TAG.name]

function toJson(user: UserRecord): User {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    created_at: user.createdAt.toISOString(),
  }
}

export const usersRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = drizzle({ client: app.pool })
  const repository = createUsersRepository(db)

  app.post(
    '/users',
    {
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
      const { email, full_name } = request.body
      const key = request.headers['idempotency-key']
      const result = await withIdempotency<User>(
        db,
        idempotencyKeys,
        key,
        request.body,
        async (tx): Promise<StoredResponse<User>> => {
          try {
            const user = await repository.insert({ email, fullName: full_name }, tx)
            return { statusCode: 201, body: toJson(user), location: `/users/${user.id}` }
          } catch (error) {
            if (error instanceof EmailTakenError) throw new HttpProblem(409, error.message)
            throw error
          }
        },
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
        operationId: 'listUsers',
        summary: 'List users by id, one page at a time',
        description: 'When more rows exist, a `Link: <…>; rel="next"` header points to them.',
        querystring: ListUsersQuery,
        response: {
          200: UserList.describe('One page of users, by id'),
          ...problemResponses(400, 503),
        },
      },
    },
    async (request, reply) => {
      const rows = await repository.listPage(request.query)
      return paginate(request, reply, rows, request.query.limit).map(toJson)
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        operationId: 'getUser',
        summary: 'Get one user',
        description: 'The user with this id; 404 when there is none.',
        params: IdParams,
        querystring: NoQuery,
        response: {
          200: User.describe('The user'),
          ...problemResponses(400),
          404: problemResponse(404, { detail: 'user 42 does not exist' }),
          ...problemResponses(503),
        },
      },
    },
    async (request) => {
      const user = await repository.findById(request.params.id)
      if (!user) throw new HttpProblem(404, `user ${request.params.id} does not exist`)
      return toJson(user)
    },
  )
}
