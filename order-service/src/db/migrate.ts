import { serviceMigrations } from '@shop/platform/postgres'

export const { migrationsFolder, migrateDatabase } = serviceMigrations('orders', import.meta.url)
