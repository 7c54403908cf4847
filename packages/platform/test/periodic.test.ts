import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { runPeriodically } from '../src/periodic.js'

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: { msg: string; err?: { message: string } }[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  return { log, lines }
}

describe('runPeriodically', () => {
  it('logs a failed run by the task name and runs again on the next tick', async () => {
    const { log, lines } = recordingLogger()
    let runs = 0
    const periodic = runPeriodically(
      async () => {
        runs++
        if (runs === 1) throw new Error('database away')
      },
      { intervalMs: 10, log, name: 'test sweep' },
    )
    while (runs < 2) await sleep(5)
    await periodic.stop()
    assert.equal(lines[0]?.msg, 'test sweep failed; retrying on the next tick')
    assert.equal(lines[0]?.err?.message, 'database away')
  })

  it('starts no run once stopped, and waits for the one under way', async () => {
    const { log } = recordingLogger()
    let running = false
    let finished = 0
    const periodic = runPeriodically(
      async () => {
        running = true
        await sleep(30)
        finished++
      },
      { intervalMs: 1, log, name: 'slow task' },
    )
    while (!running) await sleep(1)
    await periodic.stop()
    const after = finished
    assert.equal(after, 1)
    await sleep(20)
    assert.equal(finished, after)
  })
})
