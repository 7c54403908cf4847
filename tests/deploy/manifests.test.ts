import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { entrySource } from './support/entry-points.js'
import { containerEnvironment } from './support/environment.js'
import { kubectlMissing, OVERLAYS, skipWithoutKubectl } from './support/overlays.js'
import { byName, parsedConfig, type RenderedOverlay, renderedOverlay } from './support/rendered.js'
import { validateObject } from './support/schemas.js'

/** What the product runs (SPEC: Shape): each workload and the entry point it must run. */
const WORKLOADS = {
  'Deployment/api-gateway': 'api-gateway dist/server.js',
  'Deployment/user-service': 'user-service dist/server.js',
  'Deployment/order-service': 'order-service dist/api/server.js',
  'Deployment/order-worker': 'order-service dist/worker/server.js',
  'Deployment/bull-board': 'order-service dist/board/server.js',
  'Job/user-service-migrate': 'user-service dist/migrate.js',
  'Job/order-service-migrate': 'order-service dist/migrate.js',
}
const HTTP_AUTOSCALED = ['api-gateway', 'order-service', 'user-service']

const problems = (list: (string | false | undefined)[]) => list.filter((p) => !!p)

describe('Kubernetes manifests under deploy/', { skip: skipWithoutKubectl }, () => {
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
      const deployments = () => rendered.workloads.filter((w) => w.owner.kind === 'Deployment')

      it('renders, and every object matches the Kubernetes or KEDA schema of its kind', () => {
        assert.ok(rendered.objects.length > 0)
        const errors = rendered.objects.flatMap((object) => {
          try {
            validateObject(object)
            return []
          } catch (error) {
            return [(error as Error).message]
          }
        })
        assert.deepEqual(errors, [])
      })

      it('runs each workload and each migration Job from the right image and entry point', async () => {
        const running = Object.fromEntries(
          rendered.workloads.map((w) => [
            `${w.owner.kind}/${w.owner.metadata.name}`,
            `${w.entry.service} ${w.entry.script}`,
          ]),
        )
        assert.deepEqual(running, WORKLOADS)
        for (const { entry } of rendered.workloads) {
          assert.match(await entrySource(entry), new RegExp(`\\b${entry.loader}\\(`), entry.script)
        }
      })

      it('hands each container only variables its config reads (OTEL_* aside), every required one, and values it accepts', () => {
        const found = rendered.workloads.flatMap(({ owner, entry, environment }) => {
          const where = `${owner.metadata.name} (${entry.service} ${entry.script})`
          const read = Object.keys(entry.schema.shape)
          const required = read.filter(
            (key) => !entry.schema.shape[key]?.safeParse(undefined).success,
          )
          return problems([
            ...Object.keys(environment)
              .filter((name) => !read.includes(name) && !name.startsWith('OTEL_'))
              .map((name) => `${where} sets ${name}, which its config does not read`),
            ...required
              .filter((name) => environment[name] === undefined)
              .map((name) => `${where} does not set required ${name}`),
          ])
        })
        assert.deepEqual(found, [])
        for (const workload of rendered.workloads) parsedConfig(workload)
      })

      it('probes liveness on /healthz and readiness on /readyz at a port the container declares', () => {
        const found = deployments().flatMap(({ owner, container }) => {
          const ports = (container.ports ?? []).flatMap(
            (p: { name?: string; containerPort: number }) => [p.name, p.containerPort],
          )
          const probe = (kind: string, path: string) => {
            const get = container[kind]?.httpGet
            if (get?.path !== path) return `${owner.metadata.name}: ${kind} is not GET ${path}`
            if (!ports.includes(get.port))
              return `${owner.metadata.name}: ${kind} port ${get.port} is not declared`
          }
          return problems([probe('livenessProbe', '/healthz'), probe('readinessProbe', '/readyz')])
        })
        assert.deepEqual(found, [])
        assert.equal(deployments().length, 5)
      })

      it("declares each process's METRICS_PORT as its `metrics` port, which its scrape annotations and no probe name", () => {
        const found = deployments().flatMap((workload) => {
          const { owner, container } = workload
          const name = owner.metadata.name
          const metrics = Number(parsedConfig(workload).METRICS_PORT)
          const declared = (container.ports ?? []).find(
            (p: { name?: string }) => p.name === 'metrics',
          )
          const annotations = owner.spec.template.metadata.annotations ?? {}
          const probed = ['livenessProbe', 'readinessProbe', 'startupProbe'].map(
            (kind) => container[kind]?.httpGet?.port,
          )
          return problems([
            declared?.containerPort !== metrics &&
              `${name}: port \`metrics\` is ${declared?.containerPort}, METRICS_PORT ${metrics}`,
            annotations['prometheus.io/scrape'] !== 'true' && `${name}: not annotated for scraping`,
            annotations['prometheus.io/port'] !== String(metrics) &&
              `${name}: scrape annotation port ${annotations['prometheus.io/port']}`,
            annotations['prometheus.io/path'] !== '/metrics' && `${name}: scrape path`,
            probed.some((port) => port === 'metrics' || port === metrics) &&
              `${name}: a probe on the metrics port`,
          ])
        })
        assert.deepEqual(found, [])
        assert.equal(deployments().length, 5)
      })

      it('sets cpu and memory requests and limits on every container', () => {
        const found = rendered.workloads.flatMap(({ owner, container }) =>
          ['requests', 'limits'].flatMap((bound) =>
            ['cpu', 'memory']
              .filter((resource) => container.resources?.[bound]?.[resource] === undefined)
              .map((resource) => `${owner.metadata.name}: no ${resource} ${bound}`),
          ),
        )
        assert.deepEqual(found, [])
      })

      it('runs every pod non-root with a read-only root filesystem, no privilege escalation, no capabilities and an emptyDir /tmp', () => {
        const found = rendered.workloads.flatMap(({ owner, container }) => {
          const pod = owner.spec.template.spec
          const context = container.securityContext ?? {}
          const name = owner.metadata.name
          const tmp = (container.volumeMounts ?? []).find(
            (m: { mountPath: string }) => m.mountPath === '/tmp',
          )
          const volume = pod.volumes?.find((v: { name: string }) => v.name === tmp?.name)
          return problems([
            pod.securityContext?.runAsNonRoot !== true && `${name}: runAsNonRoot is not true`,
            // The images' USER is the name `node`: the kubelet needs a number to check it.
            !(pod.securityContext?.runAsUser > 0) && `${name}: no non-zero runAsUser`,
            context.readOnlyRootFilesystem !== true && `${name}: root filesystem is writable`,
            context.allowPrivilegeEscalation !== false && `${name}: privilege escalation allowed`,
            context.privileged === true && `${name}: privileged`,
            !context.capabilities?.drop?.includes('ALL') && `${name}: capabilities not dropped`,
            !volume?.emptyDir && `${name}: /tmp is not an emptyDir`,
          ])
        })
        assert.deepEqual(found, [])
      })

      it('scales the gateway and both services with HPAs and the worker with KEDA on its BullMQ waiting list', () => {
        const { objects, workloads } = rendered
        const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')
        assert.deepEqual(hpas.map((h) => h.spec.scaleTargetRef.name).sort(), HTTP_AUTOSCALED)
        for (const hpa of hpas) {
          const target = byName(objects, 'Deployment', hpa.spec.scaleTargetRef.name)
          assert.ok(target, `${hpa.metadata.name} targets no Deployment`)
          assert.equal(
            target.spec.replicas,
            undefined,
            `${target.metadata.name} sets replicas its HPA owns`,
          )
          assert.ok(hpa.spec.minReplicas <= hpa.spec.maxReplicas)
        }

        const [scaled, ...others] = objects.filter((o) => o.kind === 'ScaledObject')
        assert.ok(scaled, 'no ScaledObject')
        assert.equal(others.length, 0)
        const worker = workloads.find(
          (w) => w.owner.metadata.name === scaled.spec.scaleTargetRef.name,
        )
        assert.equal(
          worker?.entry.script,
          'dist/worker/server.js',
          'the ScaledObject targets the worker',
        )
        assert.equal(worker.owner.spec.replicas, undefined, 'the worker sets replicas KEDA owns')
        assert.ok(scaled.spec.minReplicaCount >= 1, 'delayed retries need a worker to promote them')

        // Every process on the queue agrees on its prefix and name, and KEDA watches the
        // waiting list they make: `<prefix>:<name>:wait`.
        const queues = workloads
          .filter((w) => 'ORDER_QUEUE_NAME' in w.entry.schema.shape)
          .map((w) => `${parsedConfig(w).ORDER_QUEUE_PREFIX}:${parsedConfig(w).ORDER_QUEUE_NAME}`)
        assert.equal(queues.length, 3)
        assert.equal(new Set(queues).size, 1, `queues differ: ${queues}`)
        const [trigger] = scaled.spec.triggers
        assert.equal(trigger.type, 'redis')
        assert.equal(trigger.metadata.listName, `${queues[0]}:wait`)

        // KEDA's address and password are those of the worker's REDIS_URL.
        const auth = byName(objects, 'TriggerAuthentication', trigger.authenticationRef.name)
        assert.ok(auth, `no TriggerAuthentication ${trigger.authenticationRef.name}`)
        // Resolved like a container's variables, so a missing Secret key fails the same way.
        const keda = containerEnvironment(
          {
            env: auth.spec.secretTargetRef.map(
              (ref: { parameter: string; name: string; key: string }) => ({
                name: ref.parameter,
                valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
              }),
            ),
          },
          objects,
          rendered.externalSecrets,
        )
        const redis = new URL(parsedConfig(worker).REDIS_URL)
        assert.equal(keda.address, `${redis.hostname}:${redis.port || 6379}`)
        assert.equal(keda.password, decodeURIComponent(redis.password))
      })

      it('gives every autoscaled workload a PodDisruptionBudget that selects its pods', () => {
        const { objects } = rendered
        const scaledNames = objects
          .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
          .map((o) => o.spec.scaleTargetRef.name)
        const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget')
        for (const name of scaledNames) {
          const labels = byName(objects, 'Deployment', name)?.spec.template.metadata.labels ?? {}
          const covering = pdbs.filter((pdb) =>
            Object.entries(pdb.spec.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
          )
          assert.equal(covering.length, 1, `${name} is covered by ${covering.length} PDBs`)
        }
      })

      it('points every Service at the pods of one Deployment and a port they declare', () => {
        const { objects } = rendered
        for (const service of objects.filter((o) => o.kind === 'Service')) {
          const selected = objects.filter(
            (o) =>
              o.kind === 'Deployment' &&
              Object.entries(service.spec.selector).every(
                ([k, v]) => o.spec.template.metadata.labels?.[k] === v,
              ),
          )
          const [deployment, ...others] = selected
          assert.ok(deployment, `${service.metadata.name} selects no Deployment`)
          assert.equal(others.length, 0, `${service.metadata.name} selects several Deployments`)
          const declared = deployment.spec.template.spec.containers.flatMap(
            (c: { ports?: { name?: string; containerPort: number }[] }) =>
              (c.ports ?? []).flatMap((p) => [p.name, p.containerPort]),
          )
          for (const port of service.spec.ports) {
            assert.ok(
              declared.includes(port.targetPort ?? port.port),
              `${service.metadata.name}: ${port.targetPort}`,
            )
          }
        }
      })
    })
  }
})
