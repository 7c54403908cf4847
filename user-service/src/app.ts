import { authConfigFrom, authentication, createServiceApp, health, openApi } from '@shop/platform'
import { idempotencyRetention, pingDatabase, postgres } from '@shop/platform/postgres'
import type { Config } from './config.js'
import { idempotencyKeys } from './db/schema.js'
import { USERS_TAG, usersRoutes } from './routes/users.js'
import { createUsersRepository } from './users-repository.js'

export const SERVICE_NAME = 'user-service'

/** The whole service without a port: tests inject requests into it, server.ts listens. */
export async function buildApp(config: Config) {
  const app = await createServiceApp({ name: SERVICE_NAME, logLevel: config.LOG_LEVEL })
  await app.register(openApi, {
    title: SERVICE_NAME,
    description: 'Registers, lists and looks up users (PostgreSQL schema `users`).',
    tags: [USERS_TAG],
  })
  await app.register(authentication, authConfigFrom(config))
  await app.register(postgres, { url: config.DATABASE_URL, applicationName: SERVICE_NAME })
  await app.register(health, { checks: { postgres: () => pingDatabase(app.pool) } })
  await app.register(usersRoutes, { users: createUsersRepository(app.db) })
  await app.register(idempotencyRetention, {
    table: idempotencyKeys,
    retentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
  })
  return app
}
