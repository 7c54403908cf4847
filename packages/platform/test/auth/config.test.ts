import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AuthConfig, authConfigFrom } from '../../src/auth/config.js'
import { ConfigError, parseConfig } from '../../src/config.js'

const optionsFrom = (env: Record<string, string>) => authConfigFrom(parseConfig(AuthConfig, env))

describe('the authentication config', () => {
  it("defaults to the shop's own issuer, its discovery document and audience", () => {
    assert.deepEqual(optionsFrom({}), {
      issuer: 'http://127.0.0.1:8080',
      discoveryUrl: 'http://127.0.0.1:8080/.well-known/openid-configuration',
      audience: 'distributed-shop',
      userIdClaim: 'sub',
      rolesClaim: 'roles',
    })
  })

  it('fetches the discovery document where AUTH_DISCOVERY_URL says, the issuer unchanged', () => {
    const options = optionsFrom({
      AUTH_ISSUER: 'https://shop.example.com/',
      AUTH_DISCOVERY_URL: 'http://user-service:8001/.well-known/openid-configuration',
    })
    assert.equal(options.issuer, 'https://shop.example.com/')
    assert.equal(options.discoveryUrl, 'http://user-service:8001/.well-known/openid-configuration')
    assert.equal(
      optionsFrom({ AUTH_ISSUER: 'https://shop.example.com/' }).discoveryUrl,
      'https://shop.example.com/.well-known/openid-configuration',
    )
  })

  it('checks no audience when AUTH_AUDIENCE is set empty, unlike other empty variables', () => {
    assert.equal(optionsFrom({ AUTH_AUDIENCE: '' }).audience, undefined)
    assert.equal(optionsFrom({ AUTH_ISSUER: '' }).issuer, 'http://127.0.0.1:8080')
  })

  it('refuses a bad issuer or claim path, naming the variable', () => {
    for (const [name, value] of [
      ['AUTH_ISSUER', 'issuer.example.com'],
      ['AUTH_DISCOVERY_URL', 'ftp://issuer/.well-known/openid-configuration'],
      ['AUTH_USER_ID_CLAIM', 'realm_access..id'],
      ['AUTH_ROLES_CLAIM', 'realm access'],
    ] as const) {
      assert.throws(
        () => optionsFrom({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(name),
        name,
      )
    }
  })
})
