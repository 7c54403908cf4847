/**
 * Every metric the dashboards and the alerting rules query is one the services really export:
 * the names come from the /metrics of the shop's processes, started from the sources.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { dashboards, queries } from './support/dashboards.js'
import { exportedMetricNames } from './support/exported-metrics.js'
import { metricNames } from './support/promql.js'
import { rules } from './support/rules.js'

/** Each query's metric names that no process exports. */
function unexported(list: { where: string; expr: string }[], exported: Set<string>) {
  return list.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((name) => !exported.has(name))
      .map((name) => `${where}: ${name}`),
  )
}

describe('queries name only metrics the services export', () => {
  let exported: Set<string>
  before(async () => {
    exported = await exportedMetricNames()
  })

  it('every query of every Grafana dashboard', async () => {
    const all = (await dashboards()).flatMap(({ dashboard }) => queries(dashboard))
    assert.ok(all.length > 0, 'the dashboards hold no query')
    assert.deepEqual(unexported(all, exported), [])
  })

  it('every alerting rule', async () => {
    const loaded = await rules()
    // An empty or unread rule file would otherwise pass: nothing to check is not a success.
    assert.ok(
      loaded.some((rule) => rule.alert !== undefined),
      'prometheus.yml loads no alerting rule',
    )
    const all = loaded.map((rule) => ({
      where: `rule ${rule.alert ?? rule.record}`,
      expr: rule.expr,
    }))
    assert.deepEqual(unexported(all, exported), [])
  })
})
