export * from './access.js'
export * from './authentication.js'
export * from './config.js'
