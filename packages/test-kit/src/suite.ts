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

/**
 * Something a suite starts before its first test and stops after its last (`start` hands its
 * undo to `teardown`), named at the top of the suite: its properties read through to the
 * started value, which is there once the suite's setup has run. Call it inside a `describe`
 * (top-level hooks do not wait for each other). node runs `after` hooks in the order they were
 * declared, so resources stop in the order the suite names them.
 */
export function suiteResource<T extends object>(
  start: (teardown: Teardown) => Promise<T>,
  options: HookOptions = {},
): T {
  let value: T | undefined
  suiteSetup(async (teardown) => {
    value = await start(teardown)
  }, options)
  const started = (key: PropertyKey) => {
    if (value === undefined) throw new Error(`${String(key)} read before the suite's setup ran`)
    return value
  }
  return new Proxy({} as T, {
    get(_, key) {
      const target = started(key)
      const field: unknown = Reflect.get(target, key, target)
      return typeof field === 'function' ? field.bind(target) : field
    },
    set(_, key, field) {
      return Reflect.set(started(key), key, field)
    },
  })
}

/** What `start` starts, for the suite, stopped after its last test. */
export function suiteStarted<T extends { stop(): unknown }>(
  start: () => Promise<T>,
  options: HookOptions = {},
): T {
  return suiteResource(async (teardown) => {
    const started = await start()
    teardown(() => started.stop())
    return started
  }, options)
}
