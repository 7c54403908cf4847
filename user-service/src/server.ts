import { runProcess } from '@shop/platform/entry'

await runProcess('user-service', async () => {
  const { loadConfig } = await import('./config.js')
  const { migrateDatabase } = await import('./db/migrate.js')
  const { buildApp } = await import('./app.js')
  const { metricsAddress } = await import('@shop/platform')
  const config = loadConfig()
  await migrateDatabase(config.DATABASE_URL)
  const app = await buildApp(config)
  await app.ready()
  await app.bootstrapAdmin()
  return { app, host: config.HOST, port: config.PORT, metrics: metricsAddress(config) }
})
