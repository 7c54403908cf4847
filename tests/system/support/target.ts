import { startTestStack } from './test-stack.js'

export interface Target {
  gateway: string
  stop(): Promise<void>
}

/**
 * The gateway under test: the one named by SHOP_GATEWAY_URL (e.g. a `docker compose` stack,
 * left running), else a native stack started for the suite with three workers.
 */
export async function startTarget(): Promise<Target> {
  const given = process.env.SHOP_GATEWAY_URL
  if (given) return { gateway: given.replace(/\/+$/, ''), stop: async () => {} }
  const { stack, stop } = await startTestStack({
    workers: 3,
    env: { PROCESSING_DELAY_MS: '100' },
  })
  return { gateway: stack.urls.gateway, stop }
}
