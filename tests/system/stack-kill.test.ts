/**
 * `pnpm stack` killed outright (SIGKILL, the OOM killer): it runs no code of its own, yet every
 * Node process of it stops by itself within seconds, and the next start stops the Redis and
 * PostgreSQL it left.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { stopLeftoverPostgres, stopLeftoverRedis } from '@shop/local-infra'
import { PORT_VARIABLES } from '@shop/native-stack'
import { suiteSetup } from '@shop/test-kit'
import {
  portsInUse,
  runningInGroups,
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
  stackProcessGroups,
  untilReady,
} from './support/stack-command.js'

/** What README promises: "within seconds". */
const EXIT_WITHIN_MS = 10_000

describe('pnpm stack killed with SIGKILL', () => {
  let stack: StackCommandEnv

  suiteSetup(async (teardown) => {
    stack = await stackCommandEnv()
    teardown(() => stack.remove())
  })

  it('has every Node process exit within 10 s, and the next start clears what is left', async () => {
    const nodePorts = Object.fromEntries(
      Object.entries(stack.ports).filter(
        ([variable]) => variable !== PORT_VARIABLES.postgres && variable !== PORT_VARIABLES.redis,
      ),
    )
    const first = spawnStack(stack.env)
    const second = { run: undefined as ReturnType<typeof spawnStack> | undefined }
    let groups: number[] = []
    try {
      await untilReady(first)
      groups = await stackProcessGroups(stack.dataDir)
      assert.equal(groups.length, 5, 'two services, one worker, bull-board and the gateway')
      first.child.kill('SIGKILL')
      await first.exited
      const deadline = Date.now() + EXIT_WITHIN_MS
      let running = await runningInGroups(groups)
      while (running.length > 0 && Date.now() < deadline) {
        await sleep(250)
        running = await runningInGroups(groups)
      }
      assert.deepEqual(running, [], `still running ${EXIT_WITHIN_MS / 1000} s after the kill`)
      assert.deepEqual(await portsInUse(nodePorts), [])

      second.run = spawnStack(stack.env)
      await untilReady(second.run)
      assert.match(
        second.run.stdout,
        /stopped the Redis and PostgreSQL a previous run left running/,
      )
      assert.doesNotMatch(second.run.stdout, /stopped the processes a previous run left/)
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
      for (const pid of groups) {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {}
      }
      await stopLeftoverRedis(join(stack.dataDir, 'redis'))
      await stopLeftoverPostgres(join(stack.dataDir, 'postgres'))
    }
  })
})
