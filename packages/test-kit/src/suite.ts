import { after, before, type HookOptions } from 'node:test'

/** Hands the suite something to undo after its last test. */
export type Teardown = (undo: () => unknown) => void

/**
 * A suite's setup in one call that registers its own teardown, as fastify/demo's `build(t)`
 * does for a test, for a describe block (or a whole file, called at its top level): `setup`
 * runs before the first test, and whatever it hands `teardown` is undone after the last,
 * newest first, even when the setup failed half-way.
 */
export function suiteSetup(
  setup: (teardown: Teardown) => Promise<void>,
  /** For the setup (node's default timeout is none). */
  options: HookOptions = {},
) {
  const undos: (() => unknown)[] = []
  before(() => setup((undo) => undos.push(undo)), options)
  after(async () => {
    const errors: unknown[] = []
    for (const undo of undos.reverse()) {
      try {
        await undo()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'the suite did not stop cleanly')
  })
}
