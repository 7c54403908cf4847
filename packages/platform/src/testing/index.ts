export * from './http.js'
export * from './infra.js'
export * from './postgres-faults.js'
export * from './raw-http.js'
