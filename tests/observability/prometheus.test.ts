import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { stringify } from 'yaml'
import { dashboards, queries } from './support/dashboards.js'
import { composeServices, mountTarget, PROMETHEUS_DIR, readYaml } from './support/files.js'
import { asPrometheusSees } from './support/promql.js'
import { promtool, promtoolMissing, skipWithoutPromtool } from './support/promtool.js'
import { prometheusConfig, rules } from './support/rules.js'

/** Every shop process: each serves /metrics, without a login, on its metrics port. */
const SCRAPED_SERVICES = [
  'api-gateway',
  'bull-board',
  'order-service',
  'order-worker',
  'user-service',
]

describe('Prometheus configuration and alerting rules, through promtool', {
  skip: skipWithoutPromtool,
}, () => {
  if (promtoolMissing) {
    it('can be checked', () => assert.fail(promtoolMissing))
    return
  }

  it('promtool check config: prometheus.yml and the rule files it loads are valid', async () => {
    const { ok, output } = await promtool(['check', 'config', 'prometheus.yml'], PROMETHEUS_DIR)
    assert.ok(ok, output)
    assert.match(output, /SUCCESS: prometheus\.yml is valid/)
  })

  it('promtool check rules: every rule file is valid', async () => {
    const { rule_files } = await prometheusConfig()
    const { ok, output } = await promtool(['check', 'rules', ...rule_files], PROMETHEUS_DIR)
    assert.ok(ok, output)
  })

  it('promtool check rules: every Grafana dashboard query is PromQL Prometheus accepts', async () => {
    // Prometheus' own parser and type checks, through recording rules made of the queries.
    const rules = (await dashboards()).flatMap(({ dashboard }) =>
      queries(dashboard).map(({ expr }, i) => ({
        record: `dashboard_${dashboard.uid.replace(/\W/g, '_')}_${i}`,
        expr: asPrometheusSees(expr),
      })),
    )
    assert.ok(rules.length > 0)
    const directory = await mkdtemp(join(tmpdir(), 'shop-dashboard-queries-'))
    try {
      await writeFile(
        join(directory, 'queries.yml'),
        stringify({ groups: [{ name: 'dashboards', rules }] }),
      )
      const { ok, output } = await promtool(['check', 'rules', 'queries.yml'], directory)
      assert.ok(ok, output)
      assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`))
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('promtool test rules: each alert fires on the series of its unit test, and not before', async () => {
    const { ok, output } = await promtool(['test', 'rules', 'alerts.test.yml'], PROMETHEUS_DIR)
    assert.ok(ok, output)
    assert.match(output, /SUCCESS/)
  })
})

describe('Prometheus configuration files', () => {
  it('has a unit test for every alert', async () => {
    const tests = await readYaml<{ tests: { alert_rule_test?: { alertname: string }[] }[] }>(
      join(PROMETHEUS_DIR, 'alerts.test.yml'),
    )
    const tested = new Set(
      tests.tests.flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)),
    )
    const alerts = (await rules()).flatMap((rule) => (rule.alert ? [rule.alert] : []))
    assert.ok(alerts.length > 0)
    assert.deepEqual(
      alerts.filter((alert) => !tested.has(alert)),
      [],
    )
  })

  it('finds every replica of every shop process by DNS on its service name, at its metrics port', async () => {
    const services = await composeServices()
    const { scrape_configs } = await prometheusConfig()
    const found = scrape_configs.flatMap((job) =>
      (job.dns_sd_configs ?? []).flatMap((sd) =>
        sd.names.map((name) => {
          const metricsPort = services[name]?.environment?.METRICS_PORT
          return `${name} ${sd.type}:${sd.port} (METRICS_PORT ${metricsPort})`
        }),
      ),
    )
    assert.deepEqual(
      found.sort(),
      SCRAPED_SERVICES.map((name) => {
        const port = services[name]?.environment?.METRICS_PORT
        assert.ok(port, `${name} sets no METRICS_PORT in docker-compose.yml`)
        return `${name} A:${port} (METRICS_PORT ${port})`
      }),
    )
  })

  it('never publishes a metrics port, nor serves metrics on the port compose probes', async () => {
    const services = await composeServices()
    for (const name of SCRAPED_SERVICES) {
      const service = services[name]
      const metricsPort = String(service?.environment?.METRICS_PORT)
      // `host:published:container`, or fewer parts: the container port is the last.
      const published = (service?.ports ?? []).map((port) => port.split(':').at(-1))
      assert.ok(!published.includes(metricsPort), `${name} publishes ${metricsPort}`)
      assert.notEqual(service?.healthcheck?.test?.at(-1), metricsPort, name)
    }
  })

  it('mounts the configuration and the rule files where the official image reads them', async () => {
    const prometheus = (await composeServices()).prometheus
    assert.ok(prometheus, 'no prometheus service in docker-compose.yml')
    assert.deepEqual(prometheus.profiles, ['observability'])
    const { rule_files } = await prometheusConfig()
    const mounted = ['prometheus.yml', ...rule_files].map((file) =>
      mountTarget(prometheus, `observability/prometheus/${file}`),
    )
    assert.deepEqual(mounted, [
      '/etc/prometheus/prometheus.yml',
      ...rule_files.map((file) => `/etc/prometheus/${file}`),
    ])
  })
})
