/**
 * `pnpm stack` killed outright (SIGKILL, the OOM killer): it runs no code of its own, yet its
 * Node processes stop themselves, and the next start stops the Redis and PostgreSQL it left.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { stopLeftoverPostgres, stopLeftoverRedis } from '@shop/platform/local-infra'
import { eventually } from '@shop/platform/testing'
import { PORT_VARIABLES } from '../../scripts/stack/index.js'
import {
  portsInUse,
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
  untilReady,
} from './support/stack-command.js'

describe('pnpm stack killed with SIGKILL', () => {
  let stack: StackCommandEnv

  before(async () => {
    stack = await stackCommandEnv()
  })
  after(() => stack.remove())

  it('leaves no Node process holding a port, and the next start clears what is left', async () => {
    const nodePorts = Object.fromEntries(
      Object.entries(stack.ports).filter(
        ([variable]) => variable !== PORT_VARIABLES.postgres && variable !== PORT_VARIABLES.redis,
      ),
    )
    const first = spawnStack(stack.env)
    const second = { run: undefined as ReturnType<typeof spawnStack> | undefined }
    try {
      await untilReady(first)
      first.child.kill('SIGKILL')
      await first.exited
      await eventually(
        async () => ((await portsInUse(nodePorts)).length === 0 ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: 'every Node process of the killed stack gone from its port',
        },
      )

      second.run = spawnStack(stack.env)
      await untilReady(second.run)
      assert.match(
        second.run.stdout,
        /stopped the Redis and PostgreSQL a previous run left running/,
      )
      second.run.child.kill('SIGINT')
      assert.equal(await second.run.exited, 0, second.run.stderr)
      assert.deepEqual(await portsInUse(stack.ports), [])
    } finally {
      for (const run of [first, second.run]) {
        if (run && run.child.exitCode === null && run.child.signalCode === null) {
          run.child.kill('SIGINT')
          await run.exited
        }
      }
      // Whatever a failure above left running.
      await stopLeftoverRedis(join(stack.dataDir, 'redis'))
      await stopLeftoverPostgres(join(stack.dataDir, 'postgres'))
    }
  })
})
