export * from './ports.js'
export * from './postgres-server.js'
export * from './redis-server.js'
