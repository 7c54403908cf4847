import { testMigrateEntryPoint } from '@shop/platform/testing'

testMigrateEntryPoint({
  entry: new URL('../src/migrate.ts', import.meta.url),
  schema: 'users',
  name: 'user-service migrate',
})
