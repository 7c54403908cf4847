import { runProcess } from '@shop/platform/entry'

await runProcess('api-gateway', async () => {
  const { loadConfig } = await import('./config.js')
  const { buildGateway } = await import('./app.js')
  const { metricsAddress } = await import('@shop/platform')
  const config = loadConfig()
  return {
    app: await buildGateway(config),
    host: config.HOST,
    port: config.PORT,
    metrics: metricsAddress(config),
  }
})
