import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { ConfigError } from '@shop/platform'
import { loadConfig } from '../src/config.js'

function refused(env: Record<string, string>, variable: string) {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error))
      assert.match(error.message, new RegExp(`\\b${variable}\\b`))
      return true
    },
  )
}

describe('gateway configuration', () => {
  it('has working defaults: local services, rate limits on, no trusted proxy, CORS off', () => {
    const config = loadConfig({})
    assert.equal(config.PORT, 8080)
    assert.deepEqual(config.USER_SERVICE_URL, ['http://127.0.0.1:8001'])
    assert.deepEqual(config.ORDER_SERVICE_URL, ['http://127.0.0.1:8002'])
    assert.equal(config.RATE_LIMIT_MAX, 300)
    assert.equal(config.RATE_LIMIT_CREDENTIALS_MAX, 10)
    assert.equal(config.RATE_LIMIT_WINDOW_MS, 60_000)
    assert.equal(config.TRUST_PROXY_HOPS, 0)
    assert.deepEqual(config.CORS_ORIGINS, [])
    assert.equal(config.REDIS_URL, undefined)
  })

  it('reads comma-separated replica URLs and origins, ignoring blanks and spaces, each URL kept as its origin', () => {
    const config = loadConfig({
      USER_SERVICE_URL: ' http://user-service:8001 , http://10.0.0.7:8001,',
      ORDER_SERVICE_URL: 'http://[::1]:8002/',
      CORS_ORIGINS: 'https://shop.example/, http://localhost:3000',
    })
    assert.deepEqual(config.USER_SERVICE_URL, ['http://user-service:8001', 'http://10.0.0.7:8001'])
    assert.deepEqual(config.ORDER_SERVICE_URL, ['http://[::1]:8002'])
    assert.deepEqual(config.CORS_ORIGINS, ['https://shop.example', 'http://localhost:3000'])
  })

  it('treats an empty value as unset', () => {
    assert.equal(loadConfig({ REDIS_URL: '', RATE_LIMIT_MAX: '' }).RATE_LIMIT_MAX, 300)
  })

  const bad: Array<[string, string]> = [
    ['USER_SERVICE_URL', 'user-service:8001'],
    ['USER_SERVICE_URL', 'not a url'],
    ['USER_SERVICE_URL', 'http://user-service:8001/api'],
    ['USER_SERVICE_URL', 'http://user-service:8001?x=1'],
    ['USER_SERVICE_URL', 'http://admin:secret@user-service:8001'],
    ['USER_SERVICE_URL', ' , '],
    ['ORDER_SERVICE_URL', 'http://order-service:8002,ftp://order-service:21'],
    ['UPSTREAM_TIMEOUT_MS', '-1'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['UPSTREAM_TIMEOUT_MS', 'soon'],
    ['DNS_REFRESH_MS', '1.5'],
    ['PORT', '70000'],
    ['RATE_LIMIT_MAX', '-5'],
    ['RATE_LIMIT_MAX', '0'],
    ['RATE_LIMIT_CREDENTIALS_MAX', '0'],
    ['TRUST_PROXY_HOPS', '-1'],
    ['TRUST_PROXY_HOPS', 'all'],
    ['RATE_LIMIT_WINDOW_MS', '0'],
    ['REDIS_URL', 'http://redis:6379'],
    ['CORS_ORIGINS', 'https://shop.example/app'],
    ['CORS_ORIGINS', 'shop.example'],
    ['BODY_LIMIT_BYTES', '-1'],
    ['LOG_LEVEL', 'loud'],
  ]
  for (const [variable, value] of bad) {
    it(`refuses ${variable}=${JSON.stringify(value)} with a ConfigError naming it`, () => {
      refused({ [variable]: value }, variable)
    })
  }

  it('stops the process with one line naming the bad variable', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', 'src/server.ts'],
      {
        cwd: new URL('..', import.meta.url),
        env: { ...process.env, PORT: '0', USER_SERVICE_URL: 'http://user-service:8001/api' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout.resume()
    const [code] = await once(child, 'exit')
    assert.equal(code, 1)
    const lines = stderr.trim().split('\n')
    assert.equal(lines.length, 1, stderr)
    assert.match(lines[0] ?? '', /^api-gateway: invalid configuration: USER_SERVICE_URL=/)
  })
})
