import { it, type TestContext } from 'node:test'

/**
 * `it` for checks that build on each other on one running stack: once one fails, the rest
 * are reported as skipped instead of waiting out their deadlines against a broken stack.
 */
export function checksInOrder() {
  let failed: string | undefined
  const check = (name: string, body: (t: TestContext) => Promise<void>) =>
    it(name, async (t) => {
      if (failed) {
        t.skip(`not run: "${failed}" failed`)
        return
      }
      try {
        await body(t)
      } catch (error) {
        failed = name
        throw error
      }
    })
  /** The check that failed, if one did. */
  check.failed = () => failed
  return check
}
