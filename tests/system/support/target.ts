import type { ShopClient } from '@shop/client'
import { publishDocument } from './conformance.js'
import { mergedDocument } from './documents.js'
import { shopClient } from './http.js'
import { startTestStack } from './test-stack.js'

export interface Target {
  gateway: string
  /** The typed client of the gateway, every answer checked against its document. */
  client: ShopClient
  /** The bootstrap admin's credentials. */
  admin: { email: string; password: string }
  stop(): Promise<void>
}

/**
 * The gateway under test: the one named by SHOP_GATEWAY_URL (e.g. a `docker compose` stack,
 * left running, its admin named by SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD), else a native
 * stack started for the suite with three workers.
 */
export async function startTarget(): Promise<Target> {
  const given = process.env.SHOP_GATEWAY_URL
  if (given) {
    const gateway = given.replace(/\/+$/, '')
    publishDocument(gateway, 'api-gateway', await mergedDocument(gateway, ['/users', '/orders']))
    const { SHOP_ADMIN_EMAIL: email, SHOP_ADMIN_PASSWORD: password } = process.env
    if (!email || !password) {
      throw new Error('SHOP_GATEWAY_URL needs SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD too')
    }
    const admin = { email, password }
    return { gateway, client: shopClient(gateway), admin, stop: async () => {} }
  }
  const { stack, admin, stop } = await startTestStack({
    workers: 3,
    env: { PROCESSING_DELAY_MS: '100' },
  })
  return { gateway: stack.urls.gateway, client: shopClient(stack.urls.gateway), admin, stop }
}
