import { exitWithMessage, listen, runMigrations } from '@shop/platform'
import { loadConfig } from '../config.js'
import { MIGRATIONS_FOLDER } from '../db/database.js'
import { buildApp } from './app.js'

try {
  const config = loadConfig()
  await runMigrations({
    url: config.DATABASE_URL,
    schema: 'orders',
    migrationsFolder: MIGRATIONS_FOLDER,
  })
  const app = await buildApp(config)
  await listen(app, { host: config.HOST, port: config.PORT })
} catch (error) {
  exitWithMessage('order-service', error)
}
