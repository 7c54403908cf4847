// Who is calling, from a bearer token signed by this service's own keys: the shape every
// service reads as `request.caller` (the identity contract's Caller).
import type { FastifyInstance } from 'fastify'
import { createLocalJWKSet, jwtVerify } from 'jose'
import type { SigningKeys } from './signing-keys.js'

export interface Caller {
  issuer: string
  subject: string
  userId: number
  roles: readonly string[]
  isAdmin: boolean
  /** The raw bearer token, for calls between services; never logged. */
  token: string
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined
  }
  interface FastifyContextConfig {
    /** Served without a token. */
    public?: boolean
  }
}

export interface CallerOptions {
  keys: SigningKeys
  issuer: string
  audience: string
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i

/** Adds `request.caller` to every request of `app` (not a plugin of its own: app-wide). */
export function decorateCallers(app: FastifyInstance, { keys, issuer, audience }: CallerOptions) {
  const jwks = createLocalJWKSet(keys.jwks)
  app.decorateRequest('caller', undefined)
  app.addHook('onRequest', async (request) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
    if (!token) return
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience,
        algorithms: ['ES256'],
      })
      const userId = Number(payload.sub)
      if (!Number.isSafeInteger(userId) || userId < 1) return
      const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : []
      request.caller = {
        issuer,
        subject: String(payload.sub),
        userId,
        roles,
        isAdmin: roles.includes('admin'),
        token,
      }
    } catch {
      // An invalid token names no caller: the route answers 401 as for a missing one.
    }
  })
}
