export * from './http.js'
export * from './infra.js'
