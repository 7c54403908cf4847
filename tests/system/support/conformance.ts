/**
 * Every answer from a process whose OpenAPI document is published here is checked against
 * it as it arrives (the typed client's middleware and `call` both do), so each system test is
 * a contract test too: an answer the document does not allow fails the request that got it.
 */
import assert from 'node:assert/strict'
import type { Middleware } from '@shop/client'
import { type Exchange, OpenApiContract } from './contract.js'
import type { OpenApiDocument } from './documents.js'

const contracts = new Map<string, OpenApiContract>()
const checked: { document: string; operation: string; status: number }[] = []

/** Checks answers from `baseUrl` against `document` from now on. */
export function publishDocument(baseUrl: string, name: string, document: OpenApiDocument) {
  contracts.set(new URL(baseUrl).origin, new OpenApiContract(name, document))
}

/** Fails when the exchange disagrees with the document published for its origin. */
export function assertConforms(exchange: Exchange) {
  const contract = contracts.get(new URL(exchange.url).origin)
  if (!contract) return
  const operation = contract.operationOf(exchange.method, exchange.url)
  const problems = contract.problems(exchange)
  assert.deepEqual(
    problems,
    [],
    `${contract.name}'s document disagrees with ${exchange.status} to ${operation} ` +
      `(${exchange.method} ${exchange.url}): ${problems.join('; ')}; body ${exchange.body.slice(0, 300)}`,
  )
  checked.push({ document: contract.name, operation, status: exchange.status })
}

/** Which operations of which document answered with which status, so far in this process. */
export function checkedExchanges(): readonly {
  document: string
  operation: string
  status: number
}[] {
  return checked
}

export const conformanceCheck: Middleware = {
  async onResponse({ request, response }) {
    assertConforms({
      method: request.method,
      url: request.url,
      status: response.status,
      headers: response.headers,
      body: await response.clone().text(),
    })
  },
}
