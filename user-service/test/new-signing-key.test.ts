import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadSigningKeys } from '../src/identity/signing-keys.js'

const serviceRoot = fileURLToPath(new URL('..', import.meta.url))

function newSigningKey(input: string) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', 'src/new-signing-key.ts'],
    { cwd: serviceRoot, input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  )
}

describe('src/new-signing-key.ts', () => {
  it('prints a set with a new key first, then the keys it was given', async () => {
    const first = newSigningKey('')
    assert.equal(first.status, 0, first.stderr)
    const rotated = newSigningKey(first.stdout)
    assert.equal(rotated.status, 0, rotated.stderr)
    const [before, after] = await Promise.all(
      [first.stdout, rotated.stdout].map((set) =>
        loadSigningKeys({ AUTH_SIGNING_KEYS: set, AUTH_KEYS_DIR: serviceRoot }),
      ),
    )
    assert.equal(after?.jwks.keys.length, 2)
    assert.notEqual(after?.signer.kid, before?.signer.kid)
    assert.equal(after?.jwks.keys[1]?.kid, before?.signer.kid)
  })

  it('refuses input that is not a JWK set without printing it back', () => {
    const result = newSigningKey('{"keys": [{"d":"SECRET-D"} oops')
    assert.equal(result.status, 1)
    assert.match(result.stderr, /standard input is not a JWK set/)
    assert.ok(!result.stderr.includes('SECRET-D') && !result.stdout.includes('SECRET-D'))
  })
})
