import { fileURLToPath } from 'node:url'
import { runMigrations } from '@shop/platform/postgres'

// Same depth under src/ (tsx) and dist/ (node), so one relative path serves both.
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

export function migrateDatabase(url: string) {
  return runMigrations({ url, schema: 'users', migrationsFolder: MIGRATIONS_FOLDER })
}
