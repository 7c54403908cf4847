import { runMigratedService } from '@shop/platform/entry'

await runMigratedService('order-service', async () => ({
  ...(await import('../config.js')),
  ...(await import('../db/migrate.js')),
  ...(await import('./app.js')),
}))
