import { authConfigFrom, authentication, createServiceApp, health, openApi } from '@shop/platform'
import { idempotencyRetention, pingDatabase, postgres } from '@shop/platform/postgres'
import { createLocalJWKSet } from 'jose'
import type { Config } from './config.js'
import { idempotencyKeys } from './db/schema.js'
import { createTokenIssuer } from './identity/access-tokens.js'
import { ensureBootstrapAdmin } from './identity/bootstrap-admin.js'
import { createPasswordHasher } from './identity/passwords.js'
import { loadSigningKeys } from './identity/signing-keys.js'
import { DISCOVERY_TAG, discoveryRoutes } from './routes/discovery.js'
import { TOKENS_TAG, tokensRoutes } from './routes/tokens.js'
import { USERS_TAG, usersRoutes } from './routes/users.js'
import { createUsersRepository } from './users-repository.js'

export const SERVICE_NAME = 'user-service'

declare module 'fastify' {
  interface FastifyInstance {
    /** Creates the SHOP_ADMIN_EMAIL admin unless it exists: server.ts runs it at start. */
    bootstrapAdmin(): Promise<void>
  }
}

/** The password hasher a config asks for. */
export function passwordHasherFor(config: Config) {
  return createPasswordHasher({
    memoryKib: config.PASSWORD_HASH_MEMORY_KIB,
    iterations: config.PASSWORD_HASH_ITERATIONS,
    concurrency: config.PASSWORD_HASH_CONCURRENCY,
    queueMax: config.PASSWORD_HASH_QUEUE_MAX,
  })
}

/** The whole service without a port: tests inject requests into it, server.ts listens. */
export async function buildApp(config: Config) {
  const keys = await loadSigningKeys(config)
  const passwords = await passwordHasherFor(config)
  const tokenSettings = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE }
  const app = await createServiceApp({ name: SERVICE_NAME, logLevel: config.LOG_LEVEL })
  app.log.info({ keys: keys.origin, kid: keys.signer.kid }, 'token signing keys loaded')
  await app.register(openApi, {
    title: SERVICE_NAME,
    description:
      'Registers, lists and looks up users (PostgreSQL schema `users`), and signs them in: ' +
      'the OpenID issuer of the shop.',
    tags: [USERS_TAG, TOKENS_TAG, DISCOVERY_TAG],
  })
  // Its own tokens are verified with the keys it holds: no request to itself.
  await app.register(authentication, {
    ...authConfigFrom(config),
    ownKeys: createLocalJWKSet(keys.jwks),
  })
  await app.register(postgres, { url: config.DATABASE_URL, applicationName: SERVICE_NAME })
  await app.register(health, { checks: { postgres: () => pingDatabase(app.pool) } })
  const users = createUsersRepository(app.db)
  await app.register(usersRoutes, { users, passwords })
  await app.register(tokensRoutes, {
    users,
    passwords,
    tokens: createTokenIssuer(keys, { ...tokenSettings, ttlSeconds: config.AUTH_TOKEN_TTL_S }),
  })
  app.decorate('bootstrapAdmin', () =>
    ensureBootstrapAdmin(config, { users, passwords, log: app.log }),
  )
  await app.register(discoveryRoutes, { issuer: config.AUTH_ISSUER, keys })
  await app.register(idempotencyRetention, {
    table: idempotencyKeys,
    retentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
  })
  return app
}
