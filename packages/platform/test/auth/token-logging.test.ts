import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { bearer, FORGERIES, listenOnLoopback, suiteSetup, testIssuer } from '@shop/test-kit'
import { createServiceApp } from '../../src/app.js'
import { authentication } from '../../src/auth/authentication.js'
import { AuthConfig, authConfigFrom } from '../../src/auth/config.js'
import { parseConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'

describe('the request log of an app with the authentication plugin', () => {
  const lines: string[] = []
  let base: string
  suiteSetup(async (teardown) => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const app = await createServiceApp({
      name: 'logged',
      logLevel: 'trace',
      fastify: { logger: { ...loggerOptions('logged', 'trace'), stream } },
    })
    teardown(() => app.close())
    const config = parseConfig(AuthConfig, (await testIssuer()).env)
    await app.register(authentication, authConfigFrom(config))
    app.get('/whoami', async (request) => ({ id: request.caller?.userId }))
    app.get('/boom', async () => {
      throw new Error('failed after authentication')
    })
    base = await listenOnLoopback(app)
  })

  it('never holds a token, valid, forged or failing, even at trace level', async () => {
    const issuer = await testIssuer()
    const tokens = [
      await issuer.customer(5),
      await issuer.admin(6),
      ...(await Promise.all(FORGERIES.map((kind) => issuer.forged(kind, 5)))),
      'not-a-jwt',
    ]
    for (const token of tokens) {
      for (const path of ['/whoami', '/boom']) {
        const response = await fetch(`${base}${path}`, { headers: bearer(token) })
        await response.body?.cancel()
      }
    }
    assert.ok(lines.length >= tokens.length, 'requests were logged')
    for (const token of tokens) {
      // Any third of a token is as good as the token for finding it in a log.
      for (const part of token.split('.').filter((piece) => piece.length > 8)) {
        assert.ok(!lines.some((line) => line.includes(part)), `a log line holds ${part}`)
      }
    }
  })
})
