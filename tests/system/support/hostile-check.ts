/**
 * What every answer to a hostile request must satisfy: no 5xx, no silence, errors as
 * problem+json, and a refused request leaves every row as it was.
 */
import assert from 'node:assert/strict'
import { createPool } from '@shop/platform/postgres'
import fc from 'fast-check'
import type { RawAnswer } from './raw-http.js'

/**
 * One digest of every row a request could write: users, orders (all but the columns the
 * worker and the outbox sweeper change on their own) and both services' idempotency keys.
 */
const FINGERPRINT = `
  select concat_ws(':',
    (select md5(coalesce(string_agg(u::text, ',' order by u.id), '')) from users.users u),
    (select md5(coalesce(string_agg(concat_ws('|', o.id, o.user_id, o.item, o.quantity, o.created_at),
      ',' order by o.id), '')) from orders.orders o),
    (select md5(coalesce(string_agg(k::text, ',' order by k.key), '')) from users.idempotency_keys k),
    (select md5(coalesce(string_agg(k::text, ',' order by k.key), '')) from orders.idempotency_keys k)
  ) as digest`

export interface RowWatch {
  fingerprint(): Promise<string>
  close(): Promise<void>
}

export function watchRows(databaseUrl: string): RowWatch {
  const pool = createPool({ url: databaseUrl, applicationName: 'hostile-input-test', max: 1 })
  return {
    async fingerprint() {
      const { rows } = await pool.query<{ digest: string }>(FINGERPRINT)
      return rows[0]?.digest ?? ''
    },
    close: () => pool.end(),
  }
}

function describeAnswer(what: string, answer: RawAnswer) {
  return `${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`
}

/**
 * Bull Board's own JSON API answers its UI in the format that UI reads; everything else
 * answers errors in problem+json.
 */
export const speaksProblemJson = (target: string, path: string) =>
  !(target === 'bull-board' && path.startsWith('/api/'))

/** No 5xx; a 4xx is problem+json naming its own status (where the route speaks it). */
export function assertNoServerError(what: string, answer: RawAnswer, problemJson = true) {
  assert.ok(answer.status >= 200 && answer.status < 500, describeAnswer(what, answer))
  if (answer.status < 400 || !problemJson) return
  const type = String(answer.headers['content-type'] ?? '')
  assert.match(type, /^application\/problem\+json/, describeAnswer(what, answer))
  if (answer.text === '') return // HEAD: the headers alone
  const body = JSON.parse(answer.text) as { status?: unknown }
  assert.equal(body.status, answer.status, describeAnswer(what, answer))
}

/**
 * Sends one request through `exchange` and checks it: no 5xx, and when refused (4xx), not a
 * single row changed. Returns the answer for further checks.
 */
export async function sendChecked(
  rows: RowWatch,
  what: string,
  exchange: () => Promise<RawAnswer>,
  problemJson = true,
): Promise<RawAnswer> {
  const before = await rows.fingerprint()
  const answer = await exchange()
  assertNoServerError(what, answer, problemJson)
  if (answer.status >= 400) {
    assert.equal(await rows.fingerprint(), before, `${describeAnswer(what, answer)}; rows changed`)
  }
  return answer
}

/**
 * Runs a property a bounded number of times (the suite stays quick); a failure reports the
 * shrunk counterexample, the assertion that broke and the seed to replay it with.
 */
export function checkProperty<Ts extends unknown[]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  numRuns = 100,
) {
  return fc.assert(property, { numRuns, includeErrorInReport: true })
}
