import { z } from 'zod'
import { env } from '../config.js'

export const DEFAULT_ISSUER = 'http://127.0.0.1:8080'
export const DEFAULT_AUDIENCE = 'distributed-shop'

/** A dotted path into a token's claims, e.g. `sub` or `realm_access.roles`. */
const claimPath = (fallback: string) =>
  z
    .string()
    .regex(
      /^[^.\s]+(\.[^.\s]+)*$/,
      'must be a claim name or a dotted path such as realm_access.roles',
    )
    .default(fallback)

/**
 * Who issues the tokens every service and the gateway accept. Spread into a service's
 * config; `authConfigFrom` turns the parsed variables into the plugin's options.
 */
export const AuthConfig = z.object({
  AUTH_ISSUER: env.httpUrl().default(DEFAULT_ISSUER),
  AUTH_DISCOVERY_URL: env.httpUrl().optional(),
  // Empty means "tokens carry no audience to check", for providers that set none.
  AUTH_AUDIENCE: z.string().default(DEFAULT_AUDIENCE).meta({ emptyIsAValue: true }),
  AUTH_USER_ID_CLAIM: claimPath('sub'),
  AUTH_ROLES_CLAIM: claimPath('roles'),
})
export type AuthConfig = z.output<typeof AuthConfig>

export interface AuthenticationOptions {
  /** The `iss` every token must carry. */
  issuer: string
  /** Where the issuer's OpenID discovery document (and through it, its keys) is fetched. */
  discoveryUrl: string
  /** The `aud` every token must carry; undefined: not checked. */
  audience: string | undefined
  userIdClaim: string
  rolesClaim: string
}

export function authConfigFrom(config: AuthConfig): AuthenticationOptions {
  return {
    issuer: config.AUTH_ISSUER,
    discoveryUrl:
      config.AUTH_DISCOVERY_URL ??
      `${config.AUTH_ISSUER.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    audience: config.AUTH_AUDIENCE === '' ? undefined : config.AUTH_AUDIENCE,
    userIdClaim: config.AUTH_USER_ID_CLAIM,
    rolesClaim: config.AUTH_ROLES_CLAIM,
  }
}
