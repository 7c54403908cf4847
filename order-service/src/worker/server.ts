import { runProcess } from '@shop/platform/entry'

await runProcess('order-worker', async () => {
  const { loadWorkerConfig } = await import('../config.js')
  const { buildWorker } = await import('./order-worker.js')
  const { metricsAddress } = await import('@shop/platform')
  const config = loadWorkerConfig()
  const { app } = await buildWorker(config)
  // SIGTERM closes the app, whose preClose hook awaits worker.close(): active jobs finish.
  return { app, host: config.HOST, port: config.WORKER_PORT, metrics: metricsAddress(config) }
})
