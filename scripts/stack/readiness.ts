import type { ProcessSpec } from './processes.js'
import type { Processes } from './runner.js'

const POLL_MS = 250

async function answers200(url: string) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false
  }
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
