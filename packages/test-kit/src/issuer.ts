import { randomUUID } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'

export const TEST_AUDIENCE = 'distributed-shop'
const TTL_S = 900

/** Tokens a verifier must refuse, each wrong in one way. */
export const FORGERIES = [
  'expired',
  'wrong-issuer',
  'wrong-audience',
  'alg-none',
  'hs256-with-public-key',
  'unknown-kid',
  'foreign-key',
  'tampered',
] as const
export type Forgery = (typeof FORGERIES)[number]

export interface TokenOptions {
  roles?: string[]
  /** Claims added or replaced (`undefined` removes one, e.g. `{ sub: undefined }`). */
  claims?: Record<string, unknown>
  ttlS?: number
}

export interface TestIssuer {
  /** The issuer (`iss`) and the origin its documents are served from. */
  url: string
  /** The AUTH_* settings that point an app at this issuer. */
  env: { AUTH_ISSUER: string; AUTH_DISCOVERY_URL: string; AUTH_AUDIENCE: string }
  /** How many requests its discovery document and key set have had. */
  readonly requests: { discovery: number; jwks: number }
  /** A token as user-service issues it: ES256, `kid`, iss, aud, sub, roles, iat, exp, jti. */
  token(userId: number, options?: TokenOptions): Promise<string>
  customer(userId: number): Promise<string>
  admin(userId: number): Promise<string>
  forged(kind: Forgery, userId: number): Promise<string>
  /** While false, both documents answer 503, as an issuer that is down. */
  setAvailable(available: boolean): void
  stop(): Promise<void>
}

interface KeyPair {
  privateKey: CryptoKey
  publicJwk: JWK & { kid: string }
}

async function esKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { privateKey, publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } }
}

function unsigned(header: object, payload: object, signature = '') {
  const part = (value: object) => base64url.encode(JSON.stringify(value))
  return `${part(header)}.${part(payload)}.${signature}`
}

function send(response: ServerResponse, status: number, body: unknown) {
  // Closed after each answer: no kept-alive socket holds a test process open.
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' })
  response.end(JSON.stringify(body))
}

/**
 * An OpenID issuer for tests, on a free loopback port over real HTTP: its discovery document
 * and key set as user-service publishes them, tokens with the contract's claims, and forged
 * ones of every kind a verifier must refuse.
 */
export async function startTestIssuer({ holdsProcess = true } = {}): Promise<TestIssuer> {
  const [signing, foreign] = await Promise.all([esKeyPair(), esKeyPair()])
  const requests = { discovery: 0, jwks: 0 }
  let available = true
  const server = createServer((request, response) => {
    const origin = `http://${request.headers.host}`
    const path = request.url?.split('?', 1)[0]
    if (path === '/.well-known/openid-configuration') {
      requests.discovery += 1
      if (!available) return send(response, 503, { error: 'unavailable' })
      return send(response, 200, {
        issuer: url,
        jwks_uri: `${origin}/.well-known/jwks.json`,
        token_endpoint: `${origin}/tokens`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
      })
    }
    if (path === '/.well-known/jwks.json') {
      requests.jwks += 1
      if (!available) return send(response, 503, { error: 'unavailable' })
      return send(response, 200, { keys: [signing.publicJwk] })
    }
    return send(response, 404, { error: 'not found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (!holdsProcess) server.unref()
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  function claimsFor(userId: number, { roles = [], claims = {}, ttlS = TTL_S }: TokenOptions) {
    const now = Math.floor(Date.now() / 1000)
    const payload: JWTPayload = {
      iss: url,
      aud: TEST_AUDIENCE,
      sub: String(userId),
      roles,
      iat: now,
      exp: now + ttlS,
      jti: randomUUID(),
      ...claims,
    }
    for (const [name, value] of Object.entries(payload)) {
      if (value === undefined) delete payload[name]
    }
    return payload
  }

  function sign(payload: JWTPayload, key: KeyPair = signing, kid = signing.publicJwk.kid) {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .sign(key.privateKey)
  }

  const token = (userId: number, options: TokenOptions = {}) => sign(claimsFor(userId, options))

  async function forged(kind: Forgery, userId: number) {
    const now = Math.floor(Date.now() / 1000)
    switch (kind) {
      case 'expired':
        return token(userId, { claims: { iat: now - 3600, exp: now - 600 } })
      case 'wrong-issuer':
        return token(userId, { claims: { iss: 'http://issuer.invalid' } })
      case 'wrong-audience':
        return token(userId, { claims: { aud: 'another-shop' } })
      case 'alg-none':
        return unsigned({ alg: 'none', typ: 'JWT' }, claimsFor(userId, { roles: ['admin'] }))
      case 'hs256-with-public-key': {
        // The classic confusion: the public key's bytes used as an HMAC secret.
        const secret = new TextEncoder().encode(JSON.stringify(signing.publicJwk))
        return new SignJWT(claimsFor(userId, { roles: ['admin'] }))
          .setProtectedHeader({ alg: 'HS256', kid: signing.publicJwk.kid, typ: 'JWT' })
          .sign(secret)
      }
      case 'unknown-kid':
        return sign(claimsFor(userId, {}), foreign, foreign.publicJwk.kid)
      case 'foreign-key':
        return sign(claimsFor(userId, {}), foreign)
      case 'tampered': {
        const [header, , signature] = (await token(userId)).split('.')
        const elevated = base64url.encode(JSON.stringify(claimsFor(userId, { roles: ['admin'] })))
        return `${header}.${elevated}.${signature}`
      }
    }
  }

  return {
    url,
    env: {
      AUTH_ISSUER: url,
      AUTH_DISCOVERY_URL: `${url}/.well-known/openid-configuration`,
      AUTH_AUDIENCE: TEST_AUDIENCE,
    },
    requests,
    token,
    customer: (userId) => token(userId),
    admin: (userId) => token(userId, { roles: ['admin'] }),
    forged,
    setAvailable(value) {
      available = value
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let shared: Promise<TestIssuer> | undefined

/**
 * One issuer for the whole test process, started on first use and never stopped: its server
 * holds no reference to the event loop, so the process still ends after its last test.
 */
export function testIssuer(): Promise<TestIssuer> {
  shared ??= startTestIssuer({ holdsProcess: false }).then((issuer) => ({
    ...issuer,
    stop: async () => {},
  }))
  return shared
}

/** The `authorization` header that carries `token`. */
export function bearer(token: string) {
  return { authorization: `Bearer ${token}` }
}

/** The AUTH_* settings that point an app under test at the process's issuer. */
export async function testAuthEnv() {
  return (await testIssuer()).env
}

/** Headers carrying a customer's token from the process's issuer. */
export async function asCustomer(userId: number) {
  return bearer(await (await testIssuer()).customer(userId))
}

/** Headers carrying an admin's token from the process's issuer (user `userId`, 1 unless said). */
export async function asAdmin(userId = 1) {
  return bearer(await (await testIssuer()).admin(userId))
}
