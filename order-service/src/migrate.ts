// Applies the orders schema's migrations and exits: for a deployment that runs them as a
// step of its own (a Kubernetes Job) before or beside the servers, which also apply them
// at start under the same advisory lock.
import { exitWithMessage, runMigrations } from '@shop/platform'
import { loadMigrateConfig } from './config.js'
import { MIGRATIONS_FOLDER } from './db/database.js'

try {
  const config = loadMigrateConfig()
  await runMigrations({
    url: config.DATABASE_URL,
    schema: 'orders',
    migrationsFolder: MIGRATIONS_FOLDER,
  })
} catch (error) {
  exitWithMessage('order-service migrate', error)
}
