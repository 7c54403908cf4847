import type { ShopClient } from '@shop/client'
import { publishDocument } from './conformance.js'
import { mergedDocument } from './documents.js'
import { shopClient } from './http.js'
import { startTestStack } from './test-stack.js'

export interface Target {
  gateway: string
  /** The typed client of the gateway, every answer checked against its document. */
  client: ShopClient
  stop(): Promise<void>
}

/**
 * The gateway under test: the one named by SHOP_GATEWAY_URL (e.g. a `docker compose` stack,
 * left running), else a native stack started for the suite with three workers.
 */
export async function startTarget(): Promise<Target> {
  const given = process.env.SHOP_GATEWAY_URL
  if (given) {
    const gateway = given.replace(/\/+$/, '')
    publishDocument(gateway, 'api-gateway', await mergedDocument(gateway, ['/users', '/orders']))
    return { gateway, client: shopClient(gateway), stop: async () => {} }
  }
  const { stack, stop } = await startTestStack({
    workers: 3,
    env: { PROCESSING_DELAY_MS: '100' },
  })
  return { gateway: stack.urls.gateway, client: shopClient(stack.urls.gateway), stop }
}
