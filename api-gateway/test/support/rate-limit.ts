import { signedFetch } from './gateway.js'

/**
 * Sends `count` requests to `url`, one after another, and returns their statuses in order:
 * as customer 1 unless `init` carries headers of its own (`{ headers: {} }`: anonymous).
 */
export async function statuses(url: string, count: number, init: RequestInit = {}) {
  const seen: number[] = []
  for (let i = 0; i < count; i++) {
    const response = init.headers ? await fetch(url, init) : await signedFetch(url, init)
    await response.body?.cancel()
    seen.push(response.status)
  }
  return seen
}
