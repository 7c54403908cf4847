import { z } from 'zod'

export const CreateTokenBody = z
  .strictObject({
    email: z.string().trim().max(254).describe('The email registered, in any case'),
    // Any length up to the bound: a password set under other rules still signs in.
    password: z.string().min(1).max(128),
  })
  .meta({ example: { email: 'ada@example.com', password: 'correct horse battery staple' } })

export const AccessTokenResponse = z
  .object({
    access_token: z.string().describe('A JWT (ES256) to send as `Authorization: Bearer …`'),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe('Seconds until the token expires'),
  })
  .meta({
    example: {
      access_token: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ik…',
      token_type: 'Bearer',
      expires_in: 900,
    },
  })

/** A public key: never the private `d`. */
const Jwk = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  y: z.string(),
  kid: z.string().describe("The key's RFC 7638 thumbprint, as tokens name it"),
  alg: z.string(),
  use: z.string(),
})

export const JwkSet = z.object({ keys: z.array(Jwk) }).meta({
  example: {
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
        alg: 'ES256',
        use: 'sig',
      },
    ],
  },
})

export const OpenIdConfiguration = z
  .looseObject({
    issuer: z.string(),
    jwks_uri: z.string(),
    token_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    claims_supported: z.array(z.string()),
  })
  .meta({
    example: {
      issuer: 'http://127.0.0.1:8080',
      jwks_uri: 'http://127.0.0.1:8080/.well-known/jwks.json',
      token_endpoint: 'http://127.0.0.1:8080/tokens',
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_methods_supported: ['none'],
      grant_types_supported: ['password'],
      claims_supported: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'roles'],
    },
  })
