import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { allPanels, type Dashboard, dashboards, queries } from './support/dashboards.js'
import {
  type ComposeService,
  composeServices,
  filesIn,
  GRAFANA_DIR,
  mountTarget,
  readYaml,
} from './support/files.js'
import { metricNames } from './support/promql.js'

interface DatasourceProvisioning {
  datasources: { name: string; uid: string; type: string; url: string }[]
}
interface DashboardProvisioning {
  providers: { name: string; type: string; options: { path: string } }[]
}

const PROVISIONING = join(GRAFANA_DIR, 'provisioning')

async function provisioned<T>(kind: string): Promise<T[]> {
  const files = await filesIn(join(PROVISIONING, kind), ['.yml', '.yaml'])
  return Promise.all(files.map((file) => readYaml<T>(file)))
}

describe('Grafana provisioning and dashboards', () => {
  let services: Record<string, ComposeService>
  let grafana: ComposeService
  let datasources: DatasourceProvisioning['datasources']
  let all: { file: string; dashboard: Dashboard }[]

  before(async () => {
    services = await composeServices()
    const service = services.grafana
    assert.ok(service, 'no grafana service in docker-compose.yml')
    grafana = service
    datasources = (await provisioned<DatasourceProvisioning>('datasources')).flatMap(
      (file) => file.datasources,
    )
    all = await dashboards()
  })

  it('runs Grafana in the observability profile with the provisioning folder mounted', () => {
    assert.deepEqual(grafana.profiles, ['observability'])
    assert.equal(
      mountTarget(grafana, 'observability/grafana/provisioning'),
      '/etc/grafana/provisioning',
    )
  })

  it("provisions the profile's Prometheus as a datasource with a fixed uid", () => {
    assert.deepEqual(
      datasources.map(({ uid, type, url }) => ({ uid, type, url })),
      [{ uid: 'shop-prometheus', type: 'prometheus', url: 'http://prometheus:9090' }],
    )
    assert.deepEqual(services.prometheus?.profiles, ['observability'])
  })

  it('provisions the dashboards from the folder compose mounts, and at least one dashboard is there', async () => {
    const providers = (await provisioned<DashboardProvisioning>('dashboards')).flatMap(
      (file) => file.providers,
    )
    assert.deepEqual(
      providers.map((p) => `${p.type} ${p.options.path}`),
      [`file ${mountTarget(grafana, 'observability/grafana/dashboards')}`],
    )
    assert.ok(all.length > 0)
    const uids = all.map(({ dashboard }) => dashboard.uid)
    assert.equal(new Set(uids).size, uids.length, `dashboard uids repeat: ${uids}`)
  })

  it('opens a provisioned dashboard as the home dashboard', async () => {
    const environment = (grafana as { environment?: Record<string, string> }).environment ?? {}
    const home = environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH
    const mounted = mountTarget(grafana, 'observability/grafana/dashboards')
    if (!home?.startsWith(`${mounted}/`))
      assert.fail(`home dashboard ${home} is not under ${mounted}`)
    await access(join(GRAFANA_DIR, 'dashboards', home.slice(`${mounted}/`.length)))
  })

  it('refers only to the provisioned datasource, from every panel and every query', () => {
    const uids = new Set(datasources.map((d) => d.uid))
    const unresolved = all.flatMap(({ dashboard }) =>
      allPanels(dashboard)
        .filter((panel) => panel.type !== 'row')
        .flatMap((panel) =>
          [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)].flatMap((ref) =>
            ref?.uid !== undefined && uids.has(ref.uid)
              ? []
              : [`${dashboard.title} / ${panel.title}: datasource ${JSON.stringify(ref)}`],
          ),
        ),
    )
    assert.deepEqual(unresolved, [])
  })

  it('gives every panel a query, and every query is valid PromQL', () => {
    const empty = all.flatMap(({ dashboard }) =>
      allPanels(dashboard)
        .filter((panel) => panel.type !== 'row' && !panel.targets?.some((t) => t.expr))
        .map((panel) => `${dashboard.title} / ${panel.title}`),
    )
    assert.deepEqual(empty, [])
    for (const { dashboard } of all) {
      for (const { where, expr } of queries(dashboard)) {
        assert.ok(metricNames(expr).length > 0, `${where}: selects no metric`)
      }
    }
  })
})
