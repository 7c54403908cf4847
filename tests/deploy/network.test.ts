import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { K8sObject } from './support/kubectl.js'
import { connects, type Endpoint } from './support/network-policy.js'
import { kubectlMissing, OVERLAYS, skipWithoutKubectl } from './support/overlays.js'
import { byName, parsedConfig, type RenderedOverlay, renderedOverlay } from './support/rendered.js'

const OUTSIDE: Endpoint[] = [
  { ip: '203.0.113.7' },
  { pod: { app: 'anything' }, namespace: { 'kubernetes.io/metadata.name': 'elsewhere' } },
]
const DNS: Endpoint = {
  pod: { 'k8s-app': 'kube-dns' },
  namespace: { 'kubernetes.io/metadata.name': 'kube-system' },
}
/** Where an external PostgreSQL or Redis may live: beyond the cluster, or in another namespace. */
const DATA_STORE_PLACES: Endpoint[] = [
  { ip: '198.51.100.20' },
  { pod: { 'cnpg.io/cluster': 'shop-db' }, namespace: { 'kubernetes.io/metadata.name': 'data' } },
]

/** Prometheus, where the shop's policies expect it. */
const MONITORING: Endpoint = {
  pod: { 'app.kubernetes.io/name': 'prometheus' },
  namespace: { 'kubernetes.io/metadata.name': 'monitoring' },
}

type ContainerPort = { name?: string; containerPort: number }
const containerPorts = (owner: K8sObject): ContainerPort[] =>
  owner.spec.template.spec.containers.flatMap((c: { ports?: ContainerPort[] }) => c.ports ?? [])
const podOf = (owner: K8sObject): Endpoint => ({
  pod: owner.spec.template.metadata.labels,
  ports: Object.fromEntries(
    containerPorts(owner).flatMap((p) => (p.name ? [[p.name, p.containerPort]] : [])),
  ),
})
const portsOf = (owner: K8sObject): number[] => containerPorts(owner).map((p) => p.containerPort)

describe('NetworkPolicies under deploy/', { skip: skipWithoutKubectl }, () => {
  if (kubectlMissing) {
    it('can be rendered', () => assert.fail(kubectlMissing))
    return
  }
  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      let rendered: RenderedOverlay
      before(async () => {
        rendered = await renderedOverlay(overlay)
      })
      const owners = () => [...new Set(rendered.workloads.map((w) => w.owner))]

      it('admits traffic from outside the namespace to the gateway port only', () => {
        const admitted = owners().flatMap((owner) =>
          portsOf(owner).flatMap((port) =>
            OUTSIDE.filter((source) => connects(rendered.objects, source, podOf(owner), port)).map(
              () => `${owner.metadata.name}:${port}`,
            ),
          ),
        )
        assert.deepEqual([...new Set(admitted)], ['api-gateway:8080'])
      })

      it('admits Prometheus from the monitoring namespace to each metrics port, and no other port of its own', () => {
        for (const workload of rendered.workloads.filter((w) => w.owner.kind === 'Deployment')) {
          const { owner } = workload
          const metrics = Number(parsedConfig(workload).METRICS_PORT)
          for (const port of portsOf(owner)) {
            // The gateway's public port admits everyone: Prometheus too, as any client.
            const open = OUTSIDE.some((source) =>
              connects(rendered.objects, source, podOf(owner), port),
            )
            assert.equal(
              connects(rendered.objects, MONITORING, podOf(owner), port),
              port === metrics || open,
              `monitoring → ${owner.metadata.name}:${port} (METRICS_PORT ${metrics})`,
            )
          }
          assert.ok(portsOf(owner).includes(metrics), `${owner.metadata.name} declares ${metrics}`)
        }
      })

      it('lets every upstream URL in a config reach the pods of the Service it names', () => {
        let checked = 0
        for (const workload of rendered.workloads) {
          const config = parsedConfig(workload)
          for (const [name, value] of Object.entries(config)) {
            if (!name.endsWith('_SERVICE_URL')) continue
            for (const url of (value as string[]).map((u) => new URL(u))) {
              const service = byName(rendered.objects, 'Service', url.hostname)
              assert.ok(service, `${name}=${url}: no Service ${url.hostname}`)
              const port = service.spec.ports.find(
                (p: { port: number }) => p.port === Number(url.port),
              )
              assert.ok(port, `${name}=${url}: Service ${url.hostname} has no port ${url.port}`)
              const target = rendered.objects.find(
                (o) => o.kind === 'Deployment' && o.metadata.name === url.hostname,
              )
              assert.ok(target)
              const containerPort = target.spec.template.spec.containers[0].ports.find(
                (p: { name: string }) => p.name === port.targetPort,
              ).containerPort
              assert.ok(
                connects(rendered.objects, podOf(workload.owner), podOf(target), containerPort),
                `${workload.owner.metadata.name} cannot reach ${url.hostname}:${containerPort}`,
              )
              checked++
            }
          }
        }
        assert.equal(checked, 3, 'gateway → both services, order-service → user-service')
      })

      it('lets exactly the pods whose config names PostgreSQL or Redis reach them, wherever they run', () => {
        for (const workload of rendered.workloads) {
          const config = parsedConfig(workload)
          for (const variable of ['DATABASE_URL', 'REDIS_URL']) {
            const url = config[variable] ? new URL(config[variable]) : undefined
            const defaultPort = variable === 'DATABASE_URL' ? 5432 : 6379
            const port = Number(url?.port || defaultPort)
            for (const place of DATA_STORE_PLACES) {
              assert.equal(
                connects(rendered.objects, podOf(workload.owner), place, port),
                url !== undefined,
                `${workload.owner.metadata.name} → ${variable} port ${port} at ${JSON.stringify(place)}`,
              )
            }
          }
        }
      })

      it('lets every pod resolve names through the cluster DNS', () => {
        for (const owner of owners()) {
          for (const protocol of ['UDP', 'TCP']) {
            assert.ok(
              connects(rendered.objects, podOf(owner), DNS, 53, protocol),
              `${owner.metadata.name}: DNS over ${protocol}`,
            )
          }
        }
      })
    })
  }
})
