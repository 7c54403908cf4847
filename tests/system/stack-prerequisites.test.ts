/**
 * `pnpm stack` (scripts/stack.ts) with a prerequisite missing: it must stop at once with one
 * line saying what to do. Every port is moved to a free one and the data folder to a temp
 * one, so these runs never touch a stack a developer may be running on the defaults.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { PORT_VARIABLES } from '@shop/native-stack'
import { suiteSetup } from '@shop/test-kit'
import {
  portsInUse,
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
} from './support/stack-command.js'

async function runStack(env: NodeJS.ProcessEnv) {
  const run = spawnStack(env)
  const code = await run.exited
  return { code, stdout: run.stdout, stderr: run.stderr }
}

const linesOf = (text: string) => text.split('\n').filter((line) => line.trim() !== '')

async function listenOn(port: number): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({ port, host: '127.0.0.1' }, resolve))
  return server
}

describe('pnpm stack prerequisites', () => {
  let stack: StackCommandEnv
  let emptyBin: string
  let env: NodeJS.ProcessEnv
  let ports: Record<string, number>
  let dataDir: string

  suiteSetup(async (teardown) => {
    teardown(async () => {
      await stack.remove()
      await rm(emptyBin, { recursive: true, force: true })
    })
    stack = await stackCommandEnv()
    ;({ env, ports, dataDir } = stack)
    emptyBin = await mkdtemp(join(tmpdir(), 'shop-empty-bin-'))
  })

  it('without redis-server on PATH nor REDIS_URL, exits with one line on how to get it', async () => {
    const run = await runStack({ ...env, PATH: emptyBin })
    assert.notEqual(run.code, 0)
    const lines = linesOf(run.stderr)
    assert.equal(lines.length, 1, run.stderr)
    assert.match(lines[0] ?? '', /redis-server not found: install .*apt-get install redis-server/)
    assert.match(lines[0] ?? '', /or set REDIS_URL/)
    // It stopped before spending time on PostgreSQL.
    assert.equal(existsSync(join(dataDir, 'postgres')), false)
  })

  for (const [variable, what] of [
    [PORT_VARIABLES.gateway, 'api-gateway'],
    [PORT_VARIABLES.gatewayMetrics, 'api-gateway metrics'],
    [PORT_VARIABLES.redis, 'Redis'],
  ] as const) {
    it(`exits with one line naming the port when the ${what} port is in use`, async () => {
      const port = ports[variable] as number
      const squatter = await listenOn(port)
      try {
        const run = await runStack(env)
        assert.notEqual(run.code, 0)
        const lines = linesOf(run.stderr)
        assert.equal(lines.length, 1, run.stderr)
        assert.match(lines[0] ?? '', new RegExp(`port ${port} \\(${what}, or set ${variable}`))
        assert.match(lines[0] ?? '', /is in use/)
      } finally {
        squatter.close()
      }
    })
  }

  it('exits with one line naming a variable that is not a port', async () => {
    const run = await runStack({ ...env, [PORT_VARIABLES.gateway]: '99999' })
    assert.notEqual(run.code, 0)
    const lines = linesOf(run.stderr)
    assert.equal(lines.length, 1, run.stderr)
    assert.match(lines[0] ?? '', /SHOP_GATEWAY_PORT="99999" is not a port/)
  })

  it('stops all it started and prints one line when a process fails while starting', async () => {
    // Every service refuses this level: the first to exit ends the start.
    const run = await runStack({ ...env, LOG_LEVEL: 'loud' })
    assert.notEqual(run.code, 0)
    const lines = linesOf(run.stderr)
    assert.equal(lines.length, 1, run.stderr)
    assert.match(lines[0] ?? '', /exited \(1\) before it was ready/)
    assert.match(run.stdout, /stopping Redis and PostgreSQL/)
    assert.deepEqual(await portsInUse(ports), [])
  })
})
