import { HttpProblem, problemResponse, problemResponses, type ServiceApp } from '@shop/platform'
import type { TokenIssuer } from '../identity/access-tokens.js'
import { HashingBusyError, type PasswordHasher } from '../identity/passwords.js'
import { AccessTokenResponse, CreateTokenBody } from '../schemas/tokens.js'
import type { UsersRepository } from '../users-repository.js'

export const TOKENS_TAG = { name: 'tokens', description: 'Signing in: access tokens' }

export interface TokensRoutesOptions {
  users: Pick<UsersRepository, 'findCredentials'>
  passwords: Pick<PasswordHasher, 'verify'>
  tokens: TokenIssuer
}

// One answer for an unknown email, a wrong password and an account without one, so that
// it tells nothing about which emails are registered.
const WRONG_CREDENTIALS = 'the email or password is wrong'
export const AUTH_CHALLENGE = 'Bearer realm="distributed-shop"'

export async function tokensRoutes(
  app: ServiceApp,
  { users, passwords, tokens }: TokensRoutesOptions,
) {
  app.post(
    '/tokens',
    {
      config: { public: true },
      schema: {
        tags: [TOKENS_TAG.name],
        operationId: 'createToken',
        summary: 'Sign in: exchange an email and password for an access token',
        description:
          'Answers an ES256-signed JWT to send as `Authorization: Bearer …`. A wrong email and a ' +
          'wrong password get the same 401 after the same work.',
        body: CreateTokenBody,
        response: {
          200: AccessTokenResponse.describe('A signed access token'),
          ...problemResponses(400),
          401: problemResponse(401, {
            description: 'The email or the password is wrong (the answer does not say which)',
            detail: WRONG_CREDENTIALS,
          }),
          ...problemResponses(413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body
      try {
        const found = await users.findCredentials(email)
        const matched = await passwords.verify(found?.passwordHash, password)
        if (!found || !matched) {
          reply.header('www-authenticate', AUTH_CHALLENGE)
          throw new HttpProblem(401, WRONG_CREDENTIALS)
        }
        reply.header('cache-control', 'no-store')
        return await tokens.issue(found)
      } catch (error) {
        if (!(error instanceof HashingBusyError)) throw error
        reply.header('retry-after', '1')
        throw new HttpProblem(503, error.message, { dependency: 'password-hashing' })
      }
    },
  )
}
