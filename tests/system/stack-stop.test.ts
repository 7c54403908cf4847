/**
 * `pnpm stack` stopped as a terminal's Ctrl-C or a process manager stops it: everything it
 * started goes, the front door first and PostgreSQL last, and nothing is left running.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suiteSetup } from '@shop/test-kit'
import {
  portsInUse,
  type StackCommandEnv,
  spawnStack,
  stackCommandEnv,
  untilReady,
} from './support/stack-command.js'

describe('pnpm stack stopped by a signal', () => {
  let stack: StackCommandEnv

  suiteSetup(async (teardown) => {
    stack = await stackCommandEnv()
    teardown(() => stack.remove())
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops every process in order on ${signal} and leaves every port free`, async () => {
      const run = spawnStack(stack.env)
      try {
        await untilReady(run)
        assert.deepEqual(
          (await portsInUse(stack.ports)).sort(),
          Object.keys(stack.ports).sort(),
          'every port is taken while the stack runs',
        )

        run.child.kill(signal)
        assert.equal(await run.exited, 0, run.stderr)
        assert.deepEqual(await portsInUse(stack.ports), [])
        const steps = run.stdout
          .split('\n')
          .filter((line) => line.startsWith('[stack] stop'))
          .map((line) => line.replace('[stack] ', ''))
        assert.deepEqual(steps, [
          'stopping the gateway, the services, the workers and bull-board',
          'stopping Redis and PostgreSQL',
          'stopped',
        ])
      } finally {
        if (run.child.exitCode === null) run.child.kill('SIGKILL')
      }
    })
  }
})
