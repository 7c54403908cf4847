import { parser } from '@prometheus-io/lezer-promql'

/**
 * Grafana's interval variables, replaced by a duration before parsing (Prometheus never sees
 * them: Grafana substitutes them).
 */
const GRAFANA_INTERVALS = /\$__(rate_interval|interval|range)\b/g

/** The query as Prometheus receives it from Grafana (intervals as 5m). */
export const asPrometheusSees = (expression: string) => expression.replace(GRAFANA_INTERVALS, '5m')

/**
 * The metric names a PromQL expression selects, parsed with Prometheus' own grammar
 * (lezer-promql); throws on a syntax error.
 */
export function metricNames(expression: string): string[] {
  const source = asPrometheusSees(expression)
  const names = new Set<string>()
  const errors: string[] = []
  parser.parse(source).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`near '${source.slice(Math.max(0, node.from - 20), node.to + 10)}'`)
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.add(source.slice(node.from, node.to))
      }
    },
  })
  if (errors.length > 0) throw new Error(`PromQL syntax error ${errors[0]} in: ${expression}`)
  return [...names]
}
