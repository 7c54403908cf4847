import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { resolveCommit } from '../../lib/baseline/worktree.js'

const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()

describe('resolveCommit', () => {
  it('names the commit of a symbolic ref, a relative one and an abbreviated hash', async () => {
    assert.equal(await resolveCommit('HEAD'), head)
    assert.equal(await resolveCommit('HEAD~0'), head)
    assert.equal(await resolveCommit(head.slice(0, 10)), head)
  })

  it('refuses a name git does not know, naming it', async () => {
    await assert.rejects(resolveCommit('no-such-branch-anywhere'), /no-such-branch-anywhere/)
  })

  it('takes a ref that looks like an option as a name, never as an option', async () => {
    await assert.rejects(resolveCommit('--all'), /git knows no commit/)
  })
})
