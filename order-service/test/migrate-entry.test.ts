import { testMigrateEntryPoint } from '@shop/platform/testing'

testMigrateEntryPoint({
  entry: new URL('../src/migrate.ts', import.meta.url),
  schema: 'orders',
  name: 'order-service migrate',
})
