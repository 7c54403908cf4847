import { exitWithMessage, listen } from '@shop/platform'
import { buildApp, SERVICE_NAME } from './app.js'
import { loadConfig } from './config.js'
import { migrateDatabase } from './db/migrate.js'

try {
  const config = loadConfig()
  await migrateDatabase(config.DATABASE_URL)
  const app = await buildApp(config)
  await listen(app, { host: config.HOST, port: config.PORT })
} catch (error) {
  exitWithMessage(SERVICE_NAME, error)
}
