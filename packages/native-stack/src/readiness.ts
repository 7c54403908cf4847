import type { ProcessSpec } from './processes.js'
import type { Processes } from './runner.js'

const POLL_MS = 250

/**
 * node:http rather than fetch: undici would weigh on the supervisor's memory. Taken with
 * getBuiltinModule, not `import`: on Node 24 the ESM namespace of node:http reads its
 * lazy `WebSocket` and event exports, which load undici, http2, tls and zlib all the same
 * (7 MB more PSS for the runner).
 */
const { get } = process.getBuiltinModule('node:http')

function answers200(url: string) {
  return new Promise<boolean>((resolve) => {
    const request = get(url, { timeout: 2_000, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(false))
  })
}

/**
 * Waits until every process's readiness URL answers 200. A process that exits meanwhile
 * ends the wait at once: its own output, just above, says why.
 */
export async function waitUntilReady(
  specs: ProcessSpec[],
  processes: Processes,
  timeoutMs: number,
  abortSignal?: AbortSignal,
) {
  const deadline = Date.now() + timeoutMs
  const pending = new Set(specs)
  while (pending.size > 0) {
    abortSignal?.throwIfAborted()
    for (const process of processes.processes) {
      if (process.exit !== undefined) {
        throw new Error(`${process.name} exited (${process.exit}) before it was ready`)
      }
    }
    const results = await Promise.all(
      [...pending].map(async (spec) => [spec, await answers200(spec.readyUrl)] as const),
    )
    for (const [spec, ready] of results) if (ready) pending.delete(spec)
    if (pending.size === 0) return
    if (Date.now() > deadline) {
      const names = [...pending].map((spec) => `${spec.name} (${spec.readyUrl})`).join(', ')
      throw new Error(`not ready within ${Math.round(timeoutMs / 1000)} s: ${names}`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}
