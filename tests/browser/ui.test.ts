/**
 * What a person sees in a browser: Swagger UI on the gateway and on each service, "Try it
 * out" through the gateway (signing up, signing in, "Authorize" with the token, placing an
 * order), and Bull Board behind its Basic auth. Debian's Chromium, driven
 * by playwright-core, against a native stack on free ports; screenshots of every page go to
 * .artifacts/screenshots/.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  call,
  type Order,
  placeOrders,
  settledOrdersOf,
  signUpCustomer,
  type User,
} from '@shop/system-tests/http'
import { startTestStack, type TestStack } from '@shop/system-tests/test-stack'
import { eventually, suiteSetup, uniqueName } from '@shop/test-kit'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from './support/chromium.js'
import { screenshot } from './support/screenshots.js'
import { operation, operationsOf, operationsShown } from './support/swagger-ui.js'

type OpenApi = Parameters<typeof operationsOf>[0]

let running: TestStack
let browser: Browser
let context: BrowserContext
let page: Page

suiteSetup(async (teardown) => {
  teardown(async () => {
    await browser?.close()
    await running?.stop()
  })
  // Chromium first: when it is missing, fail at once rather than after starting a stack.
  browser = await launchChromium()
  running = await startTestStack({ workers: 1, env: { PROCESSING_DELAY_MS: '50' } })
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
})

async function documentOf(baseUrl: string) {
  const answer = await call<OpenApi>(`${baseUrl}/docs/json`)
  assert.equal(answer.status, 200)
  return answer.body
}

describe('Swagger UI', () => {
  it("on the gateway lists every operation of both services and the gateway's own", async () => {
    const { urls } = running.stack
    const users = operationsOf(await documentOf(urls.userService))
    const orders = operationsOf(await documentOf(urls.orderService))
    const expected = [
      'GET /docs',
      'GET /docs/json',
      'GET /healthz',
      'GET /readyz',
      ...users.filter((op) => / \/(users|tokens|\.well-known)/.test(op)),
      ...orders.filter((op) => op.includes(' /orders')),
    ].sort()
    // The gateway fetches the services' documents in the background, as they come up.
    await eventually(
      async () => {
        const merged = operationsOf(await documentOf(urls.gateway))
        return expected.every((op) => merged.includes(op)) ? true : undefined
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the services' operations in the gateway's document",
      },
    )

    await page.goto(urls.docs)
    assert.deepEqual(await operationsShown(page), expected)
    await screenshot(page, 'gateway-docs')
  })

  for (const [service, key, own] of [
    ['user-service', 'userService', ['POST /users', 'GET /users', 'GET /users/{id}']],
    ['order-service', 'orderService', ['POST /orders', 'GET /orders', 'GET /orders/{id}']],
  ] as const) {
    it(`on ${service} lists its own operations`, async () => {
      const url = running.stack.urls[key]
      await page.goto(`${url}/docs`)
      const shown = await operationsShown(page)
      assert.deepEqual(shown, operationsOf(await documentOf(url)))
      for (const op of own) assert.ok(shown.includes(op), `${op} on ${service}'s /docs`)
      await screenshot(page, `${service}-docs`)
    })
  }

  /** Fills the body of `method path` on the page, executes it, and reads its answer. */
  async function tryItOut(method: string, path: string, body: unknown, shot: string) {
    const block = operation(page, method, path)
    await block.locator('.opblock-summary').click()
    await block.getByRole('button', { name: 'Try it out' }).click()
    await block.locator('textarea.body-param__text').fill(JSON.stringify(body))
    await block.getByRole('button', { name: 'Execute' }).click()
    const live = block.locator('.live-responses-table')
    const status = live.locator('.response .response-col_status').first()
    await status.waitFor()
    await screenshot(block, shot)
    const text = (await live.locator('.response-col_description pre').first().textContent()) ?? ''
    return { status: (await status.textContent())?.trim(), body: JSON.parse(text) as unknown }
  }

  it('"Try it out" signs up and in, and "Authorize" with the token places an order', async () => {
    const email = `${uniqueName('grace')}@example.com`
    const password = 'a ship in port is safe'
    await page.goto(running.stack.urls.docs)

    const created = await tryItOut(
      'post',
      '/users',
      { email, full_name: 'Grace Hopper', password },
      'gateway-docs-try-it-out',
    )
    assert.equal(created.status, '201')
    const user = created.body as User
    assert.equal(user.email, email)

    const signedIn = await tryItOut('post', '/tokens', { email, password }, 'gateway-docs-token')
    assert.equal(signedIn.status, '200')
    const token = (signedIn.body as { access_token: string }).access_token

    await page.getByRole('button', { name: 'Authorize' }).first().click()
    const dialog = page.locator('.modal-ux')
    await dialog.locator('input').first().fill(token)
    // The dialog's buttons are labelled for screen readers ("Apply credentials"), so by class.
    await dialog.locator('.auth-btn-wrapper button.authorize').click()
    await dialog.locator('.auth-btn-wrapper button.btn-done').waitFor()
    await screenshot(dialog, 'gateway-docs-authorized')
    await dialog.locator('.auth-btn-wrapper button.btn-done').click()

    const placed = await tryItOut(
      'post',
      '/orders',
      { user_id: user.id, item: 'compiler', quantity: 1 },
      'gateway-docs-order',
    )
    assert.equal(placed.status, '201')
    const order = placed.body as Order
    assert.equal(order.user_id, user.id)

    const authorization = `Bearer ${token}`
    const stored = await call<Order>(`${running.stack.urls.gateway}/orders/${order.id}`, {
      headers: { authorization },
    })
    assert.equal(stored.status, 200)
    assert.equal(stored.body.item, 'compiler')
  })
})

describe('Bull Board', () => {
  it('answers 401 with a Basic challenge to a browser without credentials', async () => {
    const anonymous = await browser.newContext()
    try {
      const visitor = await anonymous.newPage()
      const board = running.stack.urls.board
      // Chromium gives up on the challenge it cannot answer; the 401 itself is what counts.
      const [answer] = await Promise.all([
        visitor.waitForResponse((response) => response.url() === `${board}/`),
        visitor.goto(board).catch(() => null),
      ])
      assert.equal(answer.status(), 401)
      assert.match((await answer.headerValue('www-authenticate')) ?? '', /^Basic /)
      await screenshot(visitor, 'bull-board-401')
    } finally {
      await anonymous.close()
    }
  })

  it('logged in, shows the queue with the completed jobs of the orders placed', async () => {
    const { urls } = running.stack
    const { client, ...user } = await signUpCustomer(urls.gateway)
    const placed = await placeOrders(client, user.id, 3)
    const orders = await settledOrdersOf(client, user.id)
    assert.ok(orders.every((order) => order.status === 'processed'))

    const admin = await browser.newContext({
      httpCredentials: { username: running.board.user, password: running.board.password },
      viewport: { width: 1280, height: 900 },
    })
    try {
      const board = await admin.newPage()
      const answer = await board.goto(urls.board)
      assert.equal(answer?.status(), 200)
      const queue = board.getByRole('link', { name: running.queueName }).first()
      await queue.waitFor()
      await screenshot(board, 'bull-board-queues')

      await queue.click()
      await board
        .getByText(/^completed/i)
        .first()
        .click()
      await board.waitForURL(/status=completed/)
      for (const order of placed) {
        await board.getByText(`order-${order.id}`, { exact: true }).first().waitFor()
      }
      await screenshot(board, 'bull-board-completed')
    } finally {
      await admin.close()
    }
  })
})
