import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { isAlive } from '@shop/local-infra'
import { eventually } from '../src/http.js'
import { runTestFiles } from '../src/run-files.js'

const fixtures = join(import.meta.dirname, 'fixtures')
const HANGS = join(fixtures, 'hangs-after-its-tests.ts')
const PASSES = join(fixtures, 'passes.ts')

async function run(files: string[], fileTimeoutMs: number) {
  let output = ''
  const started = Date.now()
  const code = await runTestFiles({
    files,
    cwd: fixtures,
    env: process.env,
    fileTimeoutMs,
    concurrency: 2,
    write: (text) => {
      output += text
    },
  })
  return { code, output, ms: Date.now() - started }
}

describe('runTestFiles', () => {
  it('stops a file that hangs after its tests, names it, and fails the run', async () => {
    // Alone: on a loaded machine a file that passes may itself take longer than 3 s to start.
    const { code, output, ms } = await run([HANGS], 3_000)
    assert.equal(code, 1)
    assert.match(output, /✖ hangs-after-its-tests\.ts hung after 3 s: stopped/)
    assert.match(output, /1 test files: 0 passed/)
    assert.ok(ms < 20_000, `the run took ${ms} ms`)
    const pid = Number(/pid (\d+)/.exec(output)?.[1])
    assert.ok(pid > 0, output)
    // Killed with its runner's process group, then reaped by whoever adopted it.
    await eventually(async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 5_000,
      what: `the hung file's process ${pid} gone`,
    })
  })

  it('passes a run whose files all end', async () => {
    const { code, output } = await run([PASSES], 30_000)
    assert.equal(code, 0, output)
    assert.match(output, /1 test files: 1 passed/)
  })
})
