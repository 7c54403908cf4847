// Queries are Drizzle's builder; a statement on the hot path (every order's user check reads
// one user by id) is prepared once by name (`.prepare()`).
import { isUniqueViolation, type PageQuery } from '@shop/platform'
import { asc, eq, gt, sql } from '@shop/platform/drizzle'
import type { Database, DbExecutor } from '@shop/platform/postgres'
import { users } from './db/schema.js'

export interface UserRecord {
  id: number
  email: string
  fullName: string
  createdAt: Date
}

export interface NewUser {
  email: string
  fullName: string
  /** Null for an account that cannot sign in until a password is set. */
  passwordHash: string | null
  roles?: string[]
}

/** What signing in reads: never part of a user as the API shows it. */
export interface UserCredentials {
  id: number
  roles: string[]
  passwordHash: string | null
}

/** The email is taken, ignoring case. */
export class EmailTakenError extends Error {
  constructor(email: string) {
    super(`a user with email ${email} already exists`)
  }
}

const columns = {
  id: users.id,
  email: users.email,
  fullName: users.fullName,
  createdAt: users.createdAt,
}

export function createUsersRepository(db: Database<Record<string, unknown>>) {
  // Prepared by name: PostgreSQL parses and plans them once per connection, and Drizzle builds
  // their SQL once per process.
  const selectById = db
    .select(columns)
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('users_find_by_id')
  const insertUser = db
    .insert(users)
    .values({
      email: sql.placeholder('email'),
      fullName: sql.placeholder('fullName'),
      passwordHash: sql.placeholder('passwordHash'),
    })
    .returning(columns)
    .prepare('users_insert')
  const selectCredentials = db
    .select({ id: users.id, roles: users.roles, passwordHash: users.passwordHash })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${sql.placeholder('email')})`)
    .prepare('users_find_credentials')

  return {
    async insert(user: NewUser, executor: DbExecutor = db): Promise<UserRecord> {
      try {
        const [row] =
          executor === db && user.roles === undefined
            ? await insertUser.execute({ ...user })
            : await executor.insert(users).values(user).returning(columns)
        if (!row) throw new Error('insert returned no row')
        return row
      } catch (error) {
        // Only the unique index can tell two concurrent registrations apart.
        if (isUniqueViolation(error)) throw new EmailTakenError(user.email)
        throw error
      }
    },

    /** By email, whatever its case: the unique index on lower(email) serves it. */
    async findCredentials(email: string): Promise<UserCredentials | undefined> {
      const [row] = await selectCredentials.execute({ email })
      return row
    },

    async findById(id: number, executor: DbExecutor = db): Promise<UserRecord | undefined> {
      const [row] =
        executor === db
          ? await selectById.execute({ id })
          : await executor.select(columns).from(users).where(eq(users.id, id))
      return row
    },

    /** One row more than `limit`, so the caller can tell whether another page exists. */
    async listPage(page: PageQuery, executor: DbExecutor = db): Promise<UserRecord[]> {
      return executor
        .select(columns)
        .from(users)
        .where(page.after_id === undefined ? undefined : gt(users.id, page.after_id))
        .orderBy(asc(users.id))
        .limit(page.limit + 1)
    },
  }
}

export type UsersRepository = ReturnType<typeof createUsersRepository>
