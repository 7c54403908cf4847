import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errors, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from 'jose'
import { sendProblem } from '../problem.js'
import { claimAt, rolesIn, shopUserId } from './claims.js'
import type { AuthenticationOptions } from './config.js'
import { IssuerUnavailable, issuerKeys, ownKeysFirst } from './issuer-keys.js'

/** Who sent a request, as its verified bearer token says. */
export interface Caller {
  issuer: string
  subject: string
  userId: number
  roles: readonly string[]
  isAdmin: boolean
  /** The raw bearer token, for calls to other services on the caller's behalf; never logged. */
  token: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; undefined on public routes. */
    caller: Caller | undefined
  }
  interface FastifyContextConfig {
    /** Served without a token. */
    public?: boolean
  }
}

export const AUTH_REALM = 'distributed-shop'
export const ADMIN_ROLE = 'admin'
/** Public-key algorithms only: `none` and HMAC (`HS256` keyed with a public key) never verify. */
export const ASYMMETRIC_ALGORITHMS = [
  ...['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512'],
  ...['PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'],
]
/** Clocks of the issuer and its verifiers may differ by this much. */
const CLOCK_TOLERANCE_S = 5
const KEY_FETCH_TIMEOUT_MS = 3_000
const KEY_CACHE_MS = 600_000
/** RFC 6750's b64token. */
const BEARER = /^Bearer +([\w.~+/-]+=*) *$/i

export interface AuthenticationPluginOptions extends AuthenticationOptions {
  /** Requests served without a token beyond routes marked `config: { public: true }`. */
  isPublic?: (request: FastifyRequest) => boolean
  keyFetchTimeoutMs?: number
  /** How long fetched keys are used before they are fetched again (ten minutes). */
  keyCacheMs?: number
  /** Keys the process holds itself (user-service's own), tried before the published ones. */
  ownKeys?: JWTVerifyGetKey
}

const CHALLENGE = `Bearer realm="${AUTH_REALM}"`
const INVALID_TOKEN_CHALLENGE = `${CHALLENGE}, error="invalid_token"`

function unauthorized(reply: FastifyReply, detail: string, tokenSent: boolean) {
  reply.header('www-authenticate', tokenSent ? INVALID_TOKEN_CHALLENGE : CHALLENGE)
  return sendProblem(reply, 401, detail)
}

/** Why a token was refused, in words that tell a client what to fix and an attacker nothing. */
function refusal(error: unknown) {
  if (error instanceof errors.JWTExpired) return 'the bearer token has expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `the bearer token's "${error.claim}" claim is not accepted`
  }
  return 'the bearer token is invalid'
}

/**
 * Every route needs a valid bearer token unless it is public: verified against the issuer's
 * published keys (asymmetric algorithms only), its `iss`, `aud` and `exp`; the caller it names
 * is `request.caller`. Missing or bad tokens get 401 with a `WWW-Authenticate` challenge
 * (RFC 6750), a user-id claim that is not a shop id 403, an issuer whose keys cannot be had
 * 503. Unknown paths answer their 404 whatever the token.
 */
export const authentication = fp<AuthenticationPluginOptions>(
  async (app, options) => {
    const { issuer, audience, userIdClaim, rolesClaim, isPublic } = options
    const published = issuerKeys({
      discoveryUrl: options.discoveryUrl,
      timeoutMs: options.keyFetchTimeoutMs ?? KEY_FETCH_TIMEOUT_MS,
      cacheMs: options.keyCacheMs ?? KEY_CACHE_MS,
    })
    const keys = options.ownKeys ? ownKeysFirst(options.ownKeys, published) : published
    const verifyOptions: JWTVerifyOptions = {
      issuer,
      ...(audience === undefined ? {} : { audience }),
      algorithms: ASYMMETRIC_ALGORITHMS,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }
    const issuerDown = { dependency: 'issuer' }

    async function authenticate(request: FastifyRequest, reply: FastifyReply, token: string) {
      let claims: Awaited<ReturnType<typeof jwtVerify>>['payload']
      try {
        ;({ payload: claims } = await jwtVerify(token, keys, verifyOptions))
      } catch (error) {
        if (error instanceof IssuerUnavailable) {
          request.log.warn({ reason: error.message }, 'the token issuer is unavailable')
          reply.header('retry-after', '5')
          const detail = `the token issuer ${issuer} cannot be reached for its keys; try again shortly.`
          return sendProblem(reply, 503, detail, issuerDown)
        }
        if (!(error instanceof errors.JOSEError)) throw error
        request.log.info({ reason: error.code }, 'bearer token refused')
        return unauthorized(reply, refusal(error), true)
      }
      const userId = shopUserId(claimAt(claims, userIdClaim))
      if (userId === undefined) {
        return sendProblem(reply, 403, `the token's "${userIdClaim}" claim is not a shop user id`)
      }
      const roles = rolesIn(claimAt(claims, rolesClaim))
      request.caller = {
        issuer,
        subject: typeof claims.sub === 'string' ? claims.sub : String(userId),
        userId,
        roles,
        isAdmin: roles.includes(ADMIN_ROLE),
        token,
      }
      return undefined
    }

    app.decorateRequest('caller', undefined)
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.public === true || request.is404 || isPublic?.(request)) {
        return done()
      }
      const header = request.headers.authorization
      const token = header === undefined ? undefined : BEARER.exec(header)?.[1]
      if (token === undefined) {
        const tokenSent = header !== undefined && /^bearer\b/i.test(header)
        unauthorized(reply, 'a bearer token is required', tokenSent)
        return
      }
      authenticate(request, reply, token).then((answered) => {
        if (answered === undefined) done()
      }, done)
    })
  },
  { name: 'authentication' },
)

/** The caller of a route that is not public: the plugin has verified it. */
export function callerOf(request: FastifyRequest): Caller {
  const { caller } = request
  if (caller === undefined) throw new Error(`${request.routeOptions.url} is public: no caller`)
  return caller
}

/** Makes every route registered in `scope` from now on public (pages such as Swagger UI). */
export function publicRoutes(scope: FastifyInstance) {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
}
