import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareRounds, roundOrder, summarize } from '../../lib/baseline/rounds.js'

describe('roundOrder', () => {
  it('alternates the sides in pairs whose order flips', () => {
    assert.deepEqual(roundOrder(3), [
      'working',
      'baseline',
      'baseline',
      'working',
      'working',
      'baseline',
    ])
  })

  it('gives each side as many rounds as asked', () => {
    for (const rounds of [1, 2, 5, 8]) {
      const order = roundOrder(rounds)
      assert.equal(order.filter((s) => s === 'working').length, rounds)
      assert.equal(order.filter((s) => s === 'baseline').length, rounds)
    }
  })

  it('never runs one side three times in a row', () => {
    const order = roundOrder(10).join(' ')
    assert.doesNotMatch(order, /(working ){2}working|(baseline ){2}baseline/)
  })
})

describe('summarize', () => {
  it('takes the middle value of an odd count, the mean of the middle two of an even one', () => {
    assert.equal(summarize([5, 1, 3]).median, 3)
    assert.equal(summarize([4, 1, 3, 2]).median, 2.5)
  })

  it('gives the range and the quartiles', () => {
    const summary = summarize([10, 1, 7, 3, 5])
    assert.deepEqual(summary, { median: 5, min: 1, max: 10, q1: 3, q3: 7, rounds: 5 })
  })

  it('leaves out values that are not numbers, as a metric a round could not measure', () => {
    const summary = summarize([2, Number.NaN, 4])
    assert.equal(summary.median, 3)
    assert.equal(summary.rounds, 2)
  })

  it('answers NaN, not a number it made up, when no round measured the metric', () => {
    const summary = summarize([Number.NaN])
    assert.ok(Number.isNaN(summary.median))
    assert.ok(Number.isNaN(summary.min))
    assert.equal(summary.rounds, 0)
  })
})

describe('compareRounds', () => {
  it("divides the working tree's median by the baseline's, metric by metric", () => {
    const [cpu, rate] = compareRounds(
      [
        { cpu: 1.1, rate: 400 },
        { cpu: 1.3, rate: 380 },
        { cpu: 1.2, rate: 420 },
      ],
      [
        { cpu: 1.0, rate: 400 },
        { cpu: 0.9, rate: 500 },
        { cpu: 1.5, rate: 450 },
      ],
    )
    assert.equal(cpu?.metric, 'cpu')
    assert.equal(cpu?.working.median, 1.2)
    assert.equal(cpu?.baseline.median, 1.0)
    assert.ok(Math.abs((cpu?.ratio ?? 0) - 1.2) < 1e-9)
    assert.equal(rate?.ratio, 400 / 450)
  })

  it('keeps a metric only one side reports, with no ratio', () => {
    const comparisons = compareRounds([{ cpu: 1, 'new part': 0.2 }], [{ cpu: 1 }])
    const added = comparisons.find((c) => c.metric === 'new part')
    assert.equal(added?.working.median, 0.2)
    assert.equal(added?.baseline.rounds, 0)
    assert.ok(Number.isNaN(added?.ratio))
  })
})
