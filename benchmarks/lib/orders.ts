import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'

const IN_FLIGHT = 16
const POLL_MS = 20
const DRAIN_TIMEOUT_MS = 120_000

/** Places `count` orders for `userId`, a few at a time, and returns their ids. */
export async function placeOrders(orderServiceUrl: string, userId: number, count: number) {
  const ids: number[] = []
  let next = 0
  async function lane() {
    while (next < count) {
      next++
      const response = await fetch(`${orderServiceUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: userId, item: 'benchmark item', quantity: 1 }),
      })
      if (response.status !== 201) {
        throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`)
      }
      ids.push(((await response.json()) as { id: number }).id)
    }
  }
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane))
  return ids
}

/**
 * Resolves once every order in `ids` is `processed`; fails if any fails or time runs out.
 * PostgreSQL's CPU is part of what the benchmarks measure, so the poll costs it next to
 * nothing: while it waits it asks only whether any order of the ids' range is unfinished,
 * which the `(status, id)` index answers from its first entry, and only once none is does it
 * count the ids themselves (a count of them all, every 20 ms, cost PostgreSQL about as much
 * as the workers' own statements).
 */
export async function waitUntilProcessed(pool: pg.Pool, ids: number[]) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS
  const low = Math.min(...ids)
  const high = Math.max(...ids)
  for (;;) {
    const open = await pool.query<{ open: boolean }>(
      `select exists (select 1 from orders.orders
                       where status in ('pending', 'processing') and id between $1 and $2) as open`,
      [low, high],
    )
    if (!open.rows[0]?.open) {
      const { rows } = await pool.query<{ processed: number; failed: number }>(
        `select count(*) filter (where status = 'processed')::int as processed,
                count(*) filter (where status = 'failed')::int as failed
           from orders.orders where id = any($1::int[])`,
        [ids],
      )
      const { processed = 0, failed = 0 } = rows[0] ?? {}
      if (failed > 0) throw new Error(`${failed} orders failed`)
      if (processed === ids.length) return
    }
    if (Date.now() > deadline) {
      throw new Error(`orders of ${ids.length} still unprocessed after 120 s`)
    }
    await sleep(POLL_MS)
  }
}
