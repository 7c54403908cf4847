/** Sends `count` requests to `url`, one after another, and returns their statuses in order. */
export async function statuses(url: string, count: number, init: RequestInit = {}) {
  const seen: number[] = []
  for (let i = 0; i < count; i++) {
    const response = await fetch(url, init)
    await response.body?.cancel()
    seen.push(response.status)
  }
  return seen
}
