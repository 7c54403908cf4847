import { startTracing } from '@shop/platform/tracing'

// Before the process's own modules load, so that they are instrumented when tracing is on.
await startTracing('order-service')
await import('./start.js')
