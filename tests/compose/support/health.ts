import assert from 'node:assert/strict'
import { eventually } from '@shop/test-kit'
import type { ComposeProject } from './compose-project.js'
import { childrenOf, listeners } from './host.js'

/** Every container of the project running and healthy, with these replica counts. */
export async function assertAllHealthy(
  project: ComposeProject,
  replicas: { orderServices: number; workers: number },
  files?: string[],
) {
  const rows = await project.services(files)
  const unhealthy = rows.filter((r) => r.State !== 'running' || r.Health !== 'healthy')
  assert.deepEqual(
    unhealthy.map((r) => `${r.Service} ${r.State} ${r.Health}`),
    [],
    'not running and healthy',
  )
  const count = (service: string) => rows.filter((r) => r.Service === service).length
  assert.equal(count('order-service'), replicas.orderServices, 'order-service replicas')
  assert.equal(count('order-worker'), replicas.workers, 'order-worker replicas')
}

const LOOPBACK = ['127.0.0.1', '[::1]']
const EVERY_INTERFACE = ['0.0.0.0', '[::]']

/**
 * Compose publishes `service`'s `privatePort` on `address` (127.0.0.1 or 0.0.0.0), and the
 * host's listening sockets agree.
 */
export async function assertPublishedOn(
  project: ComposeProject,
  service: string,
  privatePort: number,
  address: '127.0.0.1' | '0.0.0.0',
) {
  const published = await project.published(service, privatePort)
  assert.equal(published.address, address, `${service}: published address`)
  const listening = await listeners(published.port)
  assert.ok(listening.length > 0, `${service}: nothing listens on ${published.port}`)
  const allowed = address === '127.0.0.1' ? LOOPBACK : EVERY_INTERFACE
  assert.deepEqual(
    listening.filter((a) => !allowed.includes(a)),
    [],
    `${service}: port ${published.port} listens beyond ${address}`,
  )
}

const healthy = async (project: ComposeProject, id: string) => {
  const { State } = await project.inspect(id)
  return State.Status === 'running' && State.Health?.Status === 'healthy' ? true : undefined
}

/**
 * SIGKILL to `service`'s process (the child of its container's init), as a crash or the OOM
 * killer would; then the container must come back, healthy, by itself.
 */
export async function crashAndRecover(project: ComposeProject, service: string) {
  const [id] = await project.containerIds(service)
  assert.ok(id, `${service}: no container`)
  const before = await project.inspect(id)
  const [pid, ...others] = await childrenOf(before.State.Pid)
  assert.ok(pid && others.length === 0, `${service}: one process under the container's init`)
  process.kill(pid, 'SIGKILL')
  await eventually(
    async () => ((await project.inspect(id)).RestartCount > before.RestartCount ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 1000, what: `${service} restarted` },
  )
  await eventually(() => healthy(project, id), {
    timeoutMs: 120_000,
    intervalMs: 1000,
    what: `${service} healthy again`,
  })
}

/** Every container of `service` started after `since` (epoch ms) and healthy. */
export async function restartedSince(project: ComposeProject, service: string, since: number) {
  const ids = await project.containerIds(service)
  for (const id of ids) {
    const { State } = await project.inspect(id)
    if (!(Date.parse(State.StartedAt) > since) || !(await healthy(project, id))) return undefined
  }
  return ids.length > 0 ? true : undefined
}
