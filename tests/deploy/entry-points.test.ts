import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { ENTRY_POINTS, entryPointOf, entrySource, ROOT } from './support/entry-points.js'

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

  it("compose runs each of the shop's images as a known entry point, with that entry point's node flags", async () => {
    const compose = parse(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; command?: string[] }>
    }
    const running = await Promise.all(
      Object.entries(compose.services)
        .filter(([, service]) => service.image?.startsWith('distributed-shop/'))
        .map(async ([name, { image, command }]) => {
          const entry = await entryPointOf({ name, image: image as string, command })
          return [name, `${entry.service} ${entry.script}`]
        }),
    )
    assert.deepEqual(Object.fromEntries(running), {
      'api-gateway': 'api-gateway dist/server.js',
      'user-service': 'user-service dist/server.js',
      'order-service': 'order-service dist/api/server.js',
      'order-worker': 'order-service dist/worker/server.js',
      'bull-board': 'order-service dist/board/server.js',
    })
  })
})
