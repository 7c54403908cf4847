import { listenOnLoopback, startTestIssuer, type Teardown, type TestIssuer } from '@shop/test-kit'
import type { FastifyRequest } from 'fastify'
import { createServiceApp } from '../../src/app.js'
import { authentication } from '../../src/auth/authentication.js'
import { AuthConfig, authConfigFrom } from '../../src/auth/config.js'
import { parseConfig } from '../../src/config.js'
import { health } from '../../src/health.js'
import { openApi } from '../../src/openapi.js'

/**
 * A service app with the authentication plugin, configured from `env` as a service is: a
 * protected `GET /whoami` answering the caller, a public `GET /open`, and health and docs.
 */
export async function startProtectedApp(
  teardown: Teardown,
  env: Record<string, string>,
  options: { isPublic?: (request: FastifyRequest) => boolean; keyCacheMs?: number } = {},
) {
  const config = parseConfig(AuthConfig, env)
  const app = await createServiceApp({ name: 'protected', logLevel: 'silent' })
  teardown(() => app.close())
  await app.register(openApi, { title: 'protected', description: 'A test app' })
  await app.register(authentication, { ...authConfigFrom(config), ...options })
  await app.register(health, { checks: {} })
  app.get('/whoami', async (request) => {
    const { token, ...caller } = request.caller ?? {}
    return { ...caller, has_token: token !== undefined }
  })
  app.get('/open', { config: { public: true } }, async (request) => ({
    caller: request.caller ?? null,
  }))
  return { app, base: await listenOnLoopback(app) }
}

/** An issuer of the suite's own, stopped after its last test. */
export async function ownIssuer(teardown: Teardown): Promise<TestIssuer> {
  const issuer = await startTestIssuer()
  teardown(() => issuer.stop())
  return issuer
}
