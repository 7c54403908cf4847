// Applies the orders schema's migrations and exits: for a deployment that runs them as a
// step of its own (a Kubernetes Job) before or beside the servers, which also apply them
// at start under the same advisory lock.
import { runProcess } from '@shop/platform/entry'

await runProcess('order-service migrate', async () => {
  const { loadMigrateConfig } = await import('./config.js')
  const { migrateDatabase } = await import('./db/migrate.js')
  await migrateDatabase(loadMigrateConfig().DATABASE_URL)
  return undefined
})
