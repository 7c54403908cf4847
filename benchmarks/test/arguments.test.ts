import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseBenchArguments } from '../lib/arguments.js'
import { UsageError } from '../lib/options.js'

const benchmarks = {
  names: ['gateway', 'pipeline', 'workers'],
  comparable: ['gateway', 'pipeline'],
}
const parse = (...argv: string[]) => parseBenchArguments(argv, benchmarks, 'usage')

describe('pnpm bench arguments', () => {
  it('hands a benchmark its own options, --rounds among them, without a baseline', () => {
    const parsed = parse('gateway', '--rounds', '3', '--json', 'out.json')
    assert.deepEqual(parsed, {
      names: ['gateway'],
      options: ['--rounds', '3'],
      json: 'out.json',
      baseline: undefined,
    })
  })

  it("takes --baseline and --rounds as the comparison's, wherever they stand", () => {
    const parsed = parse('--baseline', 'HEAD~3', 'pipeline', '--duration', '5', '--rounds', '7')
    assert.deepEqual(parsed.baseline, { ref: 'HEAD~3', rounds: 7 })
    assert.deepEqual(parsed.names, ['pipeline'])
    assert.deepEqual(parsed.options, ['--duration', '5'])
  })

  it('compares over 5 rounds unless told otherwise', () => {
    assert.equal(parse('pipeline', '--baseline', 'main').baseline?.rounds, 5)
  })

  it('runs every benchmark that can be compared when none is named', () => {
    assert.deepEqual(parse('--baseline', 'main').names, ['gateway', 'pipeline'])
    assert.deepEqual(parse().names, ['gateway', 'pipeline', 'workers'])
  })

  it('refuses a baseline for a benchmark that cannot run another tree', () => {
    assert.throws(() => parse('workers', '--baseline', 'main'), UsageError)
  })

  it('refuses --baseline without a ref and rounds that are not a whole number from 1', () => {
    assert.throws(() => parse('pipeline', '--baseline'), /--baseline needs a value/)
    assert.throws(() => parse('pipeline', '--baseline', '--rounds', '3'), /needs a value/)
    assert.throws(() => parse('pipeline', '--baseline', 'main', '--rounds', '0'), /--rounds 0/)
    assert.throws(() => parse('pipeline', '--baseline', 'main', '--rounds', 'x'), /--rounds x/)
  })

  it('refuses an unknown benchmark', () => {
    assert.throws(() => parse('nope'), /no benchmark named nope/)
  })
})
