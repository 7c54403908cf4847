import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  highestMatching,
  matchesVersion,
  nodeBinary,
  PREVIOUS_RUNTIME,
  parseNodeVersionFile,
  wantedNodeVersion,
} from '../../lib/baseline/runtime.js'

async function treeWith(nodeVersion: string | undefined, t: { after(fn: () => unknown): void }) {
  const root = await mkdtemp(join(tmpdir(), 'bench-runtime-'))
  t.after(() => rm(root, { recursive: true, force: true }))
  if (nodeVersion !== undefined) await writeFile(join(root, '.node-version'), nodeVersion)
  return root
}

describe('wantedNodeVersion', () => {
  it('reads the exact version a tree names in .node-version', async (t) => {
    assert.equal(wantedNodeVersion(await treeWith('24.22.3\n', t)), '24.22.3')
  })

  it('accepts a leading v and a major version alone', async (t) => {
    assert.equal(wantedNodeVersion(await treeWith('v24.22.3', t)), '24.22.3')
    assert.equal(wantedNodeVersion(await treeWith('24\n', t)), '24')
  })

  it('runs a tree without .node-version on the previous runtime, Node 20', async (t) => {
    assert.equal(PREVIOUS_RUNTIME, '20')
    assert.equal(wantedNodeVersion(await treeWith(undefined, t)), '20')
  })

  it('refuses a .node-version that names no version', () => {
    assert.throws(() => parseNodeVersionFile('lts/iron\n'), /not a Node version/)
    assert.throws(() => parseNodeVersionFile(''), /not a Node version/)
  })
})

describe('matchesVersion', () => {
  it('matches a whole version, or a prefix of it at a dot', () => {
    assert.ok(matchesVersion('24.22.3', '24.22.3'))
    assert.ok(matchesVersion('24.22.3', '24'))
    assert.ok(matchesVersion('24.22.3', '24.22'))
    assert.ok(!matchesVersion('24.22.3', '24.2'))
    assert.ok(!matchesVersion('20.20.2', '2'))
    assert.ok(!matchesVersion('24.22.3', '24.22.4'))
  })
})

describe('highestMatching', () => {
  it('picks the highest release by number, not by text', () => {
    const listed = ['20.8.1', '20.20.2', '20.9.0', '22.1.0', '20.20.10', '20.21.0-rc.1']
    assert.equal(highestMatching(listed, '20'), '20.20.10')
    assert.equal(highestMatching(listed, '22'), '22.1.0')
    assert.equal(highestMatching(listed, '18'), undefined)
  })
})

describe('nodeBinary', () => {
  it('runs a side that asks for the running version on this very Node, fetching nothing', async () => {
    const said: string[] = []
    const found = await nodeBinary(process.versions.node, '/nonexistent', (l) => said.push(l))
    assert.deepEqual(found, { node: process.execPath, version: process.versions.node })
    assert.deepEqual(said, [])
  })
})
