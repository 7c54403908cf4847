import { runProcess } from '@shop/platform/entry'

await runProcess('order-service', async () => {
  const { loadConfig } = await import('../config.js')
  const { migrateDatabase } = await import('../db/migrate.js')
  const { buildApp } = await import('./app.js')
  const { metricsAddress } = await import('@shop/platform')
  const config = loadConfig()
  await migrateDatabase(config.DATABASE_URL)
  return {
    app: await buildApp(config),
    host: config.HOST,
    port: config.PORT,
    metrics: metricsAddress(config),
  }
})
