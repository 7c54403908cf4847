import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { eventually } from '@shop/test-kit'

const LATE_LISTENER = fileURLToPath(new URL('./fixtures/late-listener.ts', import.meta.url))
const LOGGING_SERVICE = fileURLToPath(new URL('./fixtures/logging-service.ts', import.meta.url))

/** Running, and not a zombie waiting for whoever adopted it to reap it. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

describe('a process started with a supervisor channel', () => {
  it('closes when its supervisor died before it started listening', async () => {
    // The supervisor: starts the service with an IPC channel, prints its pid and exits at once.
    const supervisor = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process')
         const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(LATE_LISTENER)}],
           { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true })
         console.log(child.pid)
         process.exit(0)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    supervisor.stdout.on('data', (chunk) => {
      output += chunk
    })
    await new Promise((resolve) => supervisor.once('exit', resolve))
    const pid = Number(output.trim())
    assert.ok(pid > 0, `the service's pid, got '${output}'`)
    try {
      await eventually(async () => !alive(pid) || undefined, {
        timeoutMs: 30_000,
        what: 'the service closed after its supervisor was gone',
      })
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    }
  })

  it('closes within 10 s when its supervisor, the reader of its output, is killed', async () => {
    // The supervisor reads the service's output, as the native stack does, and prints its pid
    // once it listens; then the test kills it outright.
    const supervisor = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process')
         const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(LOGGING_SERVICE)}],
           { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true })
         child.stdout.resume()
         child.stderr.resume()
         child.on('message', () => console.log(child.pid))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let output = ''
    supervisor.stdout.on('data', (chunk) => {
      output += chunk
    })
    let pid: number | undefined
    try {
      pid = await eventually(async () => Number(output.trim()) || undefined, {
        timeoutMs: 30_000,
        what: "the service's pid",
      })
      supervisor.kill('SIGKILL')
      const service = pid
      await eventually(async () => !alive(service) || undefined, {
        timeoutMs: 10_000,
        what: 'the service closed after its supervisor was killed',
      })
    } finally {
      supervisor.kill('SIGKILL')
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL')
    }
  })
})
