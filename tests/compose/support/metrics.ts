import assert from 'node:assert/strict'
import type { ComposeProject } from './compose-project.js'

/** Each shop process's metrics port, as docker-compose.yml sets METRICS_PORT: never published. */
export const METRICS_PORTS = {
  'api-gateway': 9080,
  'user-service': 9001,
  'order-service': 9002,
  'order-worker': 9003,
  'bull-board': 9555,
} as const

export type ShopService = keyof typeof METRICS_PORTS

const FETCH_METRICS = `fetch(process.argv[1]).then(async (r) => {
  if (!r.ok) throw new Error(r.url + ' answered ' + r.status)
  process.stdout.write(await r.text())
})`

/**
 * `/metrics` of replica `index` of `service`, read from inside its container, where the
 * metrics port is reachable: the host has no way to it.
 */
export function scrapeInside(project: ComposeProject, service: ShopService, index = 1) {
  const url = `http://127.0.0.1:${METRICS_PORTS[service]}/metrics`
  return project.compose([
    'exec',
    '-T',
    '--index',
    String(index),
    service,
    'node',
    '-e',
    FETCH_METRICS,
    url,
  ])
}

/** `service` publishes no metrics port, answers 404 for /metrics on `publicUrl`, serves it inside. */
export async function assertMetricsUnpublished(
  project: ComposeProject,
  service: ShopService,
  publicUrl?: string,
) {
  const port = await project.attempt(['port', service, String(METRICS_PORTS[service])])
  assert.ok(
    !port.ok || port.output.trim() === '',
    `${service} publishes its metrics: ${port.output}`,
  )
  if (publicUrl) {
    const answer = await fetch(`${publicUrl}/metrics`)
    assert.equal(answer.status, 404, `${publicUrl}/metrics`)
    await answer.body?.cancel()
  }
  assert.match(await scrapeInside(project, service), /^process_cpu_user_seconds_total /m, service)
}
