import { integer, pgSchema, sql, text, timestamp, uniqueIndex } from '@shop/platform/drizzle'
import { idempotencyKeysTable } from '@shop/platform/postgres'

export const usersSchema = pgSchema('users')

export const users = usersSchema.table(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    // An argon2id hash in PHC form. Null for users registered before passwords existed: they
    // cannot sign in until an admin sets one.
    passwordHash: text('password_hash'),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Emails are kept as typed but unique regardless of case; the index is also what settles races.
  (table) => [uniqueIndex('users_email_lower_key').on(sql`lower(${table.email})`)],
)

export const idempotencyKeys = idempotencyKeysTable(usersSchema)
