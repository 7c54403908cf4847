/**
 * Concurrent clients placing orders through the gateway as a careful client would: each order
 * has its own Idempotency-Key, and a refused or unanswered attempt is sent again with the same
 * key and body until it is accepted. Every answer is tallied, refusals included.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** A customer the load orders for, with their own token. */
export interface LoadCustomer {
  id: number
  authorization: string
}

export interface LoadOptions {
  gateway: string
  /** Order N is customer N modulo their number's, sent with that customer's token. */
  customers: LoadCustomer[]
  orders: number
  clients: number
  /** Unique per run, so the keys and items of two runs never meet. */
  runId: string
  /** Share of accepted orders sent again at once with the same key: it must replay. */
  replayShare: number
  /** No attempt starts after this time (ms since the epoch): the load is bounded. */
  deadline: number
  /** Called after every accepted order with how many have been accepted so far. */
  onAccepted?: (accepted: number) => void
}

export interface LoadTally {
  /** Order id per order index, once accepted. */
  accepted: Map<number, number>
  /** Answers other than 201, by status (0: no answer, the connection failed or timed out). */
  refused: Map<number, number>
  replays: number
  /** Replays answered with another order than the first answer: must stay empty. */
  replayMismatches: string[]
  /** Orders given up on after every attempt was refused. */
  abandoned: number[]
}

const ATTEMPTS = 30
const REQUEST_TIMEOUT_MS = 30_000

export const keyOf = (runId: string, index: number) => `${runId}-${index}`
export const itemOf = (runId: string, index: number) => `${runId} order ${index}`

export function orderRequest(options: Pick<LoadOptions, 'runId' | 'customers'>, index: number) {
  const customer = options.customers[index % options.customers.length] as LoadCustomer
  return {
    key: keyOf(options.runId, index),
    authorization: customer.authorization,
    body: JSON.stringify({
      user_id: customer.id,
      item: itemOf(options.runId, index),
      quantity: 1,
    }),
  }
}

export async function postOrder(
  gateway: string,
  { key, authorization, body }: ReturnType<typeof orderRequest>,
) {
  try {
    const response = await fetch(`${gateway}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const answer = (await response.json()) as { id?: number }
    return {
      status: response.status,
      id: answer.id,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    }
  } catch {
    return { status: 0, id: undefined, replayed: false }
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadTally> {
  const tally: LoadTally = {
    accepted: new Map(),
    refused: new Map(),
    replays: 0,
    replayMismatches: [],
    abandoned: [],
  }
  let next = 0

  async function place(index: number) {
    const request = orderRequest(options, index)
    for (let attempt = 1; attempt <= ATTEMPTS && Date.now() < options.deadline; attempt++) {
      const answer = await postOrder(options.gateway, request)
      if (answer.status === 201 && answer.id !== undefined) {
        tally.accepted.set(index, answer.id)
        options.onAccepted?.(tally.accepted.size)
        return answer.id
      }
      tally.refused.set(answer.status, (tally.refused.get(answer.status) ?? 0) + 1)
      // A 4xx other than 409 (the first attempt still in progress) will not change: stop.
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 409) break
      await sleep(Math.min(2_000, 100 * attempt))
    }
    tally.abandoned.push(index)
    return undefined
  }

  async function replay(index: number, id: number) {
    const request = orderRequest(options, index)
    const answer = await postOrder(options.gateway, request)
    tally.replays++
    if (answer.status === 201 && (answer.id !== id || !answer.replayed)) {
      tally.replayMismatches.push(
        `${request.key}: first ${id}, replay ${answer.id} (${answer.status})`,
      )
    }
  }

  async function client() {
    for (let index = next++; index < options.orders; index = next++) {
      if (Date.now() >= options.deadline) {
        tally.abandoned.push(index)
        continue
      }
      const id = await place(index)
      if (id !== undefined && Math.random() < options.replayShare) await replay(index, id)
    }
  }

  await Promise.all(Array.from({ length: options.clients }, client))
  return tally
}

/** Sends every accepted order's request again: each must answer its first order, not a new one. */
export async function replayAll(
  options: Pick<LoadOptions, 'gateway' | 'runId' | 'customers'>,
  tally: LoadTally,
) {
  const entries = [...tally.accepted]
  const mismatches: string[] = []
  const answered = new Map<number, number>()
  for (let i = 0; i < entries.length; i += 50) {
    await Promise.all(
      entries.slice(i, i + 50).map(async ([index, id]) => {
        const request = orderRequest(options, index)
        const answer = await postOrder(options.gateway, request)
        answered.set(answer.status, (answered.get(answer.status) ?? 0) + 1)
        if (answer.status !== 201 || answer.id !== id || !answer.replayed) {
          mismatches.push(`${request.key}: first ${id}, replay ${answer.id} (${answer.status})`)
        }
      }),
    )
  }
  return { answered, mismatches }
}
