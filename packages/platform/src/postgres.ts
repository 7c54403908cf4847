// PostgreSQL and what is built on it, apart from the main entry so that a process without a
// database (the gateway, Bull Board) never loads pg and Drizzle.
export * from './db.js'
export * from './idempotency.js'
