import { placeOrder, settledOrdersOf, signUpCustomer } from '@shop/system-tests/http'
import { startTestStack } from '@shop/system-tests/test-stack'

/** Series Prometheus adds to every target itself. */
export const PROMETHEUS_OWN = ['up']

/** The sample names of a Prometheus text exposition (histograms' `_bucket`, `_sum`, `_count`). */
export function sampleNames(exposition: string): string[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line)
}

/**
 * What the shop's processes export, scraped from the /metrics of their real metrics listeners:
 * the native stack from the sources (gateway, both services, a worker) after a user and an
 * order went through it,
 * so that per-route and per-job histograms have samples.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const shop = await startTestStack({ workers: 1 })
  try {
    const { urls } = shop.stack
    const { client, ...user } = await signUpCustomer(urls.gateway)
    await placeOrder(client, user.id)
    await settledOrdersOf(client, user.id)
    const { metrics } = urls
    const targets = [metrics.gateway, metrics.userService, metrics.orderService, ...metrics.workers]
    const names = new Set(PROMETHEUS_OWN)
    for (const target of targets) {
      const answer = await fetch(`${target}/metrics`)
      if (!answer.ok) throw new Error(`${target}/metrics answered ${answer.status}`)
      for (const name of sampleNames(await answer.text())) names.add(name)
    }
    return names
  } finally {
    await shop.stop()
  }
}
