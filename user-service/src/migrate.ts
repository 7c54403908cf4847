// Applies the users schema's migrations and exits: for a deployment that runs them as a
// step of its own (a Kubernetes Job) before or beside the servers, which also apply them
// at start under the same advisory lock.
import { exitWithMessage } from '@shop/platform'
import { loadMigrateConfig } from './config.js'
import { migrateDatabase } from './db/migrate.js'

try {
  await migrateDatabase(loadMigrateConfig().DATABASE_URL)
} catch (error) {
  exitWithMessage('user-service migrate', error)
}
