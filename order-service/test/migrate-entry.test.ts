import { testMigrateEntryPoint } from '@shop/test-kit'

testMigrateEntryPoint({
  entry: new URL('../src/migrate.ts', import.meta.url),
  schema: 'orders',
  name: 'order-service migrate',
})
