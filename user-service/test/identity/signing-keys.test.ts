import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '@shop/platform'
import { listenOnLoopback, testAuthEnv } from '@shop/test-kit'
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { buildApp } from '../../src/app.js'
import {
  generateSigningJwk,
  KEYS_FILE_NAME,
  loadSigningKeys,
} from '../../src/identity/signing-keys.js'
import { type App, signUp, testConfig, tokenFor, useUserService } from '../helpers.js'

const thumbprint = ({ x, y }: { x?: string; y?: string }) =>
  calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: x ?? '', y: y ?? '' })

describe('signing keys', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signing-keys-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  describe('kept in AUTH_KEYS_DIR', () => {
    it('are generated once, even by replicas starting at once, in a 0600 file', async () => {
      const keysDir = join(dir, 'fresh')
      const loaded = await Promise.all(
        Array.from({ length: 4 }, () => loadSigningKeys({ AUTH_KEYS_DIR: keysDir })),
      )
      assert.equal(new Set(loaded.map((keys) => keys.signer.kid)).size, 1)
      const file = join(keysDir, KEYS_FILE_NAME)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
      assert.equal((await stat(keysDir)).mode & 0o777, 0o700)
      const kept = JSON.parse(await readFile(file, 'utf8'))
      assert.equal(kept.keys.length, 1)
      assert.equal(await thumbprint(kept.keys[0]), loaded[0]?.signer.kid)
    })

    it('are reused on the next start', async () => {
      const keysDir = join(dir, 'restart')
      const first = await loadSigningKeys({ AUTH_KEYS_DIR: keysDir })
      const second = await loadSigningKeys({ AUTH_KEYS_DIR: keysDir })
      assert.equal(second.signer.kid, first.signer.kid)
      assert.deepEqual(second.jwks, first.jwks)
    })
  })

  describe('from the environment', () => {
    it('AUTH_SIGNING_KEYS: the first key signs, every key is published', async () => {
      const [newer, older] = [await generateSigningJwk(), await generateSigningJwk()]
      const keys = await loadSigningKeys({
        AUTH_SIGNING_KEYS: JSON.stringify({ keys: [newer, older] }),
        AUTH_KEYS_DIR: join(dir, 'unused'),
      })
      assert.equal(keys.signer.kid, await thumbprint(newer))
      assert.deepEqual(
        keys.jwks.keys.map((key) => key.kid),
        [await thumbprint(newer), await thumbprint(older)],
      )
      for (const key of keys.jwks.keys) assert.ok(!('d' in key))
      await assert.rejects(stat(join(dir, 'unused')), { code: 'ENOENT' })
    })

    it('AUTH_SIGNING_KEYS_FILE: read from the file, as a mounted Secret', async () => {
      const jwk = await generateSigningJwk()
      const file = join(dir, 'secret.json')
      await writeFile(file, JSON.stringify({ keys: [jwk] }))
      const keys = await loadSigningKeys({ AUTH_SIGNING_KEYS_FILE: file, AUTH_KEYS_DIR: dir })
      assert.equal(keys.signer.kid, await thumbprint(jwk))
    })

    for (const [what, value] of [
      ['text that is not JSON', 'not json {"d":"SECRET-D"}'],
      ['a set without keys', '{"keys":[]}'],
      ['a public key only', '{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}'],
      ['an RSA key', '{"keys":[{"kty":"RSA","n":"a","e":"AQAB","d":"SECRET-D"}]}'],
    ] as const) {
      it(`refuses ${what}, naming the variable and never the keys`, async () => {
        await assert.rejects(
          loadSigningKeys({ AUTH_SIGNING_KEYS: value, AUTH_KEYS_DIR: dir }),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.message.includes('AUTH_SIGNING_KEYS') &&
            !error.message.includes('SECRET-D'),
        )
      })
    }

    it('refuses an AUTH_SIGNING_KEYS_FILE that cannot be read', async () => {
      await assert.rejects(
        loadSigningKeys({ AUTH_SIGNING_KEYS_FILE: join(dir, 'missing.json'), AUTH_KEYS_DIR: dir }),
        /AUTH_SIGNING_KEYS_FILE: cannot read .*missing\.json \(ENOENT\)/,
      )
    })
  })

  describe('rotation', () => {
    const service = useUserService()
    const apps: App[] = []
    after(() => Promise.all(apps.map((app) => app.close())))

    async function startWith(keys: object[]) {
      const app = await buildApp(
        await testConfig(service.database.url, { AUTH_SIGNING_KEYS: JSON.stringify({ keys }) }),
      )
      apps.push(app)
      return listenOnLoopback(app)
    }

    it('keeps tokens of the old key valid once a new key signs, until the old is removed', async () => {
      const [oldKey, newKey] = [await generateSigningJwk(), await generateSigningJwk()]
      const before = await startWith([oldKey])
      const user = await signUp(before)
      const oldToken = user.token
      assert.equal(decodeProtectedHeader(oldToken).kid, await thumbprint(oldKey))

      const rotated = await startWith([newKey, oldKey])
      const jwks = createRemoteJWKSet(new URL(`${rotated}/.well-known/jwks.json`))
      const { payload } = await jwtVerify(oldToken, jwks, {
        issuer: (await testAuthEnv()).AUTH_ISSUER,
      })
      assert.equal(payload.sub, String(user.id))
      const newToken = await tokenFor(rotated, user.email)
      assert.equal(decodeProtectedHeader(newToken).kid, await thumbprint(newKey))
      await jwtVerify(newToken, jwks)

      const retired = await startWith([newKey])
      const after = createRemoteJWKSet(new URL(`${retired}/.well-known/jwks.json`))
      await jwtVerify(newToken, after)
      await assert.rejects(jwtVerify(oldToken, after), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
    })
  })
})
