import { SignJWT } from 'jose'
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js'

export interface TokenSettings {
  issuer: string
  audience: string
  ttlSeconds: number
}

export interface TokenSubject {
  id: number
  roles: readonly string[]
}

export interface AccessToken {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
}

/** Signs access tokens as the identity contract says: ES256, `kid`, standard claims, `roles`. */
export function createTokenIssuer(keys: SigningKeys, settings: TokenSettings) {
  const { kid, key } = keys.signer
  return {
    async issue(subject: TokenSubject): Promise<AccessToken> {
      const token = await new SignJWT({ roles: [...subject.roles] })
        .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(String(subject.id))
        .setIssuedAt()
        .setExpirationTime(`${settings.ttlSeconds}s`)
        .setJti(crypto.randomUUID())
        .sign(key)
      return { access_token: token, token_type: 'Bearer', expires_in: settings.ttlSeconds }
    },
  }
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>
