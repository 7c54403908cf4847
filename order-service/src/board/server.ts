import { runProcess } from '@shop/platform/entry'

await runProcess('order-board', async () => {
  const { loadBoardConfig } = await import('../config.js')
  const { buildBoard } = await import('./app.js')
  const { metricsAddress } = await import('@shop/platform')
  const config = loadBoardConfig()
  return {
    app: await buildBoard(config),
    host: config.HOST,
    port: config.BULL_BOARD_PORT,
    metrics: metricsAddress(config),
  }
})
