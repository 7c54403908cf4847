import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ENTRY_POINTS, entrySource, ROOT } from './support/entry-points.js'

/** The modules a source imports at load: `import … from '…'`, `import type` left out. */
function staticImports(source: string) {
  return [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)].map(
    (match) => match[1],
  )
}

describe('entry points', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry.service} ${entry.script} loads only @shop/platform/entry before its own modules`, async () => {
      const source = await entrySource(entry)
      assert.deepEqual(staticImports(source), ['@shop/platform/entry'])
      assert.match(source, /await runProcess\(/)
      assert.match(source, new RegExp(`\\b${entry.loader}\\(`))
    })
  }

  it('@shop/platform/entry itself imports nothing at load but types', async () => {
    const source = await readFile(join(ROOT, 'packages/platform/src/entry.ts'), 'utf8')
    assert.deepEqual(staticImports(source), [])
  })
})
