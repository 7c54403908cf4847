import { serviceMigrations } from '@shop/platform/postgres'

export const { migrationsFolder, migrateDatabase } = serviceMigrations('users', import.meta.url)
