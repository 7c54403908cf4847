/**
 * Drizzle ORM for every service, loaded from its CommonJS build.
 *
 * Node 24's ESM loader, for each `.js` file it loads, copies the package scope's package.json
 * into a new object, and that copy parses its `exports` map again: drizzle-orm's is 130 kB,
 * and the services load 108 of its files, so importing its ESM build allocated about 160 MB
 * at start-up (3 s of CPU), alive long enough to grow V8's young generation to its largest
 * (64 MB semi-spaces on Node 24), which an idle process keeps: user-service and order-service
 * took 180 MB PSS each instead of 55-85 on Node 20. `require` reads the package once.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

const core: typeof import('drizzle-orm') = require('drizzle-orm')
const pgCore: typeof import('drizzle-orm/pg-core') = require('drizzle-orm/pg-core')
const nodePostgres: typeof import('drizzle-orm/node-postgres') = require('drizzle-orm/node-postgres')
const migrator: typeof import('drizzle-orm/node-postgres/migrator') = require('drizzle-orm/node-postgres/migrator')

export type { SQL } from 'drizzle-orm'
export type { NodePgDatabase, NodePgQueryResultHKT } from 'drizzle-orm/node-postgres'
export type { AnyPgColumn, PgDatabase, PgSchema } from 'drizzle-orm/pg-core'

export const { and, asc, eq, gt, inArray, isNull, lt, sql } = core
export const { check, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex } = pgCore
export const { drizzle } = nodePostgres
export const { migrate } = migrator
