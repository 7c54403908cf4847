/**
 * One request followed through every service's logs by its x-request-id. Reads the
 * processes' output, so it runs against the native stack only.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ShopClient } from '@shop/client'
import { eventually, suiteSetup, uniqueName } from '@shop/test-kit'
import { signInAdmin, signUpCustomer } from './support/http.js'
import { startTestStack, type TestStack } from './support/test-stack.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface LogLine {
  reqId?: string
  name?: string
  msg?: string
}

/** The JSON log lines of one process that carry `requestId`. */
function linesWith(running: TestStack, process: string, requestId: string): LogLine[] {
  return running.stack
    .logs(process)
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.reqId === requestId)
}

/** Waits until each process has logged the request, then returns what each logged. */
function traceOf(running: TestStack, requestId: string, processes: string[]) {
  return eventually(
    async () => {
      const trace = processes.map((name) => [name, linesWith(running, name, requestId)] as const)
      return trace.every(([, lines]) => lines.length > 0) ? new Map(trace) : undefined
    },
    { timeoutMs: 10_000, what: `request ${requestId} in the logs of ${processes.join(', ')}` },
  )
}

describe('x-request-id through the gateway', () => {
  let running: TestStack
  let client: ShopClient
  let userId: number

  suiteSetup(async (teardown) => {
    running = await startTestStack({ workers: 1 })
    teardown(() => running.stop())
    // The admin's client: an admin ordering for a customer is checked with user-service.
    client = (await signInAdmin(running.stack.urls.gateway, running.admin)).client
    userId = (await signUpCustomer(running.stack.urls.gateway)).id
  })

  it("keeps the client's id and logs it in the gateway, order-service, user-service and the worker", async () => {
    const requestId = uniqueName('trace')
    const placed = await client.POST('/orders', {
      body: { user_id: userId, item: 'traced', quantity: 1 },
      headers: { 'x-request-id': requestId },
    })
    assert.equal(placed.response.status, 201)
    assert.equal(placed.response.headers.get('x-request-id'), requestId)

    const trace = await traceOf(running, requestId, [
      'api-gateway',
      'order-service',
      'user-service',
      'worker-1',
    ])
    assert.ok(trace.get('api-gateway')?.some((line) => line.msg === 'request completed'))
    // order-service received it from the gateway; user-service from order-service's check of
    // the user an admin orders for.
    assert.ok(trace.get('order-service')?.some((line) => line.name === 'order-service'))
    assert.ok(trace.get('user-service')?.some((line) => line.name === 'user-service'))
    // The worker read it from the order's job.
    assert.ok(trace.get('worker-1')?.some((line) => line.msg === 'order job done'))
  })

  it('mints an id when the client sends none, answers with it and passes it on', async () => {
    const newcomer = (await signUpCustomer(running.stack.urls.gateway)).id
    const placed = await client.POST('/orders', {
      body: { user_id: newcomer, item: 'untraced', quantity: 1 },
    })
    assert.equal(placed.response.status, 201)
    const requestId = placed.response.headers.get('x-request-id') ?? ''
    assert.match(requestId, UUID)
    await traceOf(running, requestId, ['api-gateway', 'order-service', 'user-service'])
  })

  it('replaces an id unsafe to log with a fresh one', async () => {
    const answer = await client.GET('/users/{id}', {
      params: { path: { id: String(userId) } },
      headers: { 'x-request-id': 'evil\tid {"level":60}' },
    })
    assert.equal(answer.response.status, 200)
    const requestId = answer.response.headers.get('x-request-id') ?? ''
    assert.match(requestId, UUID)
    await traceOf(running, requestId, ['api-gateway', 'user-service'])
  })
})
