/**
 * The stack's supervisor starts a crashed process again, after a delay that grows with each
 * crash in a row, and says so in its output; a process that exits cleanly stays stopped.
 */
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { describe, it } from 'node:test'
import { restartDelayMs } from '@shop/native-stack'
import { eventually, suiteSetup } from '@shop/test-kit'
import { startTestStack, type TestStack } from './support/test-stack.js'

function status(url: string) {
  return new Promise<number | undefined>((resolve) => {
    get(url, { agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode)
    }).on('error', () => resolve(undefined))
  })
}

describe('restart delay', () => {
  it('is 1 s after a first crash, doubles with each crash in a row, and stops at 30 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs),
      [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
    )
  })
})

describe('stack supervisor', () => {
  let running: TestStack

  suiteSetup(async (teardown) => {
    running = await startTestStack({ workers: 2 })
    teardown(() => running.stop())
  })

  const worker = (name: string) => {
    const found = running.stack.processes.find((p) => p.name === name)
    assert.ok(found, name)
    return found
  }

  it('starts a worker killed with SIGKILL again, says so, and the new one serves', async () => {
    const killed = worker('worker-1')
    const before = killed.pid
    running.stack.killProcess('worker-1', 'SIGKILL')

    await eventually(async () => (killed.restarts === 1 && killed.running ? true : undefined), {
      timeoutMs: 30_000,
      what: 'worker-1 started again',
    })
    assert.notEqual(killed.pid, before)
    assert.equal(killed.exit, 'SIGKILL')
    const lines = running.stack.logs('worker-1')
    assert.ok(lines.includes('exited (SIGKILL): restarting in 1 s'), lines.slice(-5).join('\n'))
    assert.ok(lines.some((line) => line.startsWith('restarted (pid ')))
    const readyz = `${running.stack.urls.workers[0]}/readyz`
    await eventually(async () => ((await status(readyz)) === 200 ? true : undefined), {
      timeoutMs: 60_000,
      what: `${readyz} answering 200`,
    })
  })

  it('leaves a worker that exits cleanly on SIGTERM stopped', async () => {
    const stopped = worker('worker-2')
    running.stack.killProcess('worker-2', 'SIGTERM')
    await eventually(async () => (stopped.running ? undefined : true), {
      timeoutMs: 30_000,
      what: 'worker-2 exited',
    })
    assert.equal(stopped.exit, 0)
    // Three times the first restart delay: a restart would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 3 * restartDelayMs(1)))
    assert.equal(stopped.running, false)
    assert.equal(stopped.restarts, 0)
    assert.ok(running.stack.logs('worker-2').includes('exited (0)'))
  })
})
