import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { freePort } from '@shop/local-infra'
import { asCustomer, suiteSetup, testAuthEnv } from '@shop/test-kit'
import { type RunningEcho, startEcho } from './support/echo-upstream.js'

interface LogLine {
  reqId?: string
  msg?: string
  status_code?: number
  url?: string
}

describe('the access log of a gateway process', () => {
  let upstream: RunningEcho

  suiteSetup(async (teardown) => {
    upstream = await startEcho({ name: 'users-1' })
    teardown(() => upstream.close())
  })

  it('writes one line per request with its id, every held line out by the time it stops', async () => {
    const port = await freePort()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', 'src/server.ts'],
      {
        cwd: new URL('..', import.meta.url),
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: '0',
          LOG_LEVEL: 'info',
          USER_SERVICE_URL: upstream.url,
          ORDER_SERVICE_URL: upstream.url,
          ...(await testAuthEnv()),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.resume()
    const exited = once(child, 'exit')
    try {
      const base = `http://127.0.0.1:${port}`
      for (let tries = 0; ; tries++) {
        const ready = await fetch(`${base}/healthz`).catch(() => undefined)
        if (ready?.status === 200) break
        assert.ok(tries < 300, 'the gateway did not start')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const ids = ['log-a', 'log-b', 'log-c']
      const credentials = await asCustomer(1)
      for (const id of ids) {
        const response = await fetch(`${base}/users/${id}`, {
          headers: { 'x-request-id': id, ...credentials },
        })
        assert.equal(response.status, 200)
        await response.body?.cancel()
      }
      child.kill('SIGTERM')
      await exited
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine)
      const signature = credentials.authorization.split('.')[2] ?? ''
      assert.ok(signature.length > 40 && !stdout.includes(signature), 'no log line holds the token')
      for (const id of ids) {
        const completed = lines.filter((l) => l.reqId === id && l.msg === 'request completed')
        assert.equal(completed.length, 1, `${id} in:\n${stdout}`)
        assert.equal(completed[0]?.status_code, 200)
        assert.equal(completed[0]?.url, `/users/${id}`)
      }
    } finally {
      child.kill('SIGKILL')
    }
  })
})
