import type { ServiceApp } from '@shop/platform'
import type { FastifyRequest } from 'fastify'
import { SIGNING_ALG, type SigningKeys } from '../identity/signing-keys.js'
import { JwkSet, OpenIdConfiguration } from '../schemas/tokens.js'

export const DISCOVERY_TAG = {
  name: 'discovery',
  description: 'OpenID Connect discovery: who issues tokens and the keys that verify them',
}

export interface DiscoveryRoutesOptions {
  issuer: string
  keys: SigningKeys
}

// Verifiers refetch on an unknown `kid`, so a new key is picked up at once; five minutes
// only spares the issuer the rest.
const CACHE_CONTROL = 'public, max-age=300'

/**
 * Where this request reached us: through the gateway, the gateway's address (it forwards
 * the client's Host); straight, this service's own. So the `jwks_uri` of a discovery
 * document is reachable by whoever fetched it, wherever AUTH_ISSUER points.
 */
function ownOrigin(request: FastifyRequest) {
  return `${request.protocol}://${request.host}`
}

export async function discoveryRoutes(app: ServiceApp, { issuer, keys }: DiscoveryRoutesOptions) {
  const tags = [DISCOVERY_TAG.name]
  app.get(
    '/.well-known/openid-configuration',
    {
      config: { public: true },
      schema: {
        tags,
        operationId: 'getOpenIdConfiguration',
        summary: 'OpenID Connect discovery document',
        description:
          '`issuer` is AUTH_ISSUER; `jwks_uri` and `token_endpoint` are built from the address ' +
          'this request was sent to.',
        response: { 200: OpenIdConfiguration.describe('The discovery document') },
      },
    },
    async (request, reply) => {
      const origin = ownOrigin(request)
      reply
        .header('cache-control', CACHE_CONTROL)
        .header('vary', 'host, x-forwarded-host, x-forwarded-proto')
      return {
        issuer,
        jwks_uri: `${origin}/.well-known/jwks.json`,
        token_endpoint: `${origin}/tokens`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [SIGNING_ALG],
        token_endpoint_auth_methods_supported: ['none'],
        grant_types_supported: ['password'],
        claims_supported: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'roles'],
      }
    },
  )

  app.get(
    '/.well-known/jwks.json',
    {
      config: { public: true },
      schema: {
        tags,
        operationId: 'getJsonWebKeySet',
        summary: 'The public keys that verify access tokens',
        description:
          'Every key in service: the one that signs first, then older ones kept until the ' +
          'tokens they signed have expired.',
        response: { 200: JwkSet.describe('A JWK set of public keys') },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', CACHE_CONTROL)
      return keys.jwks
    },
  )
}
