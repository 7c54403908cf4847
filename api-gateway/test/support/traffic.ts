import { freePort } from '@shop/local-infra'
import { signedFetch } from './gateway.js'

/** Sends `count` GETs (as customer 1) one after another and counts which replica (`x-upstream`) answered. */
export async function replicaCounts(url: string, count: number) {
  const counts = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    const response = await signedFetch(url)
    await response.body?.cancel()
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`)
    const replica = response.headers.get('x-upstream') ?? '(none)'
    counts.set(replica, (counts.get(replica) ?? 0) + 1)
  }
  return counts
}

/** A loopback base URL nothing listens on. */
export async function deadUrl() {
  return `http://127.0.0.1:${await freePort()}`
}
