// The first admin, so that someone can see everything on a fresh stack. Its password comes
// from SHOP_ADMIN_PASSWORD, else is generated on first start into a 0600 file kept with the
// stack's data (beside the signing keys unless SHOP_ADMIN_PASSWORD_FILE says where): the
// log names the file, never the password.
import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { EmailTakenError, type UsersRepository } from '../users-repository.js'
import type { PasswordHasher } from './passwords.js'

export const ADMIN_PASSWORD_FILE_NAME = 'admin-password'

export interface BootstrapAdminDeps {
  users: Pick<UsersRepository, 'insert' | 'findCredentials'>
  passwords: Pick<PasswordHasher, 'hash'>
  log: FastifyBaseLogger
}

type AdminConfig = Pick<
  Config,
  'SHOP_ADMIN_EMAIL' | 'SHOP_ADMIN_PASSWORD' | 'SHOP_ADMIN_PASSWORD_FILE' | 'AUTH_KEYS_DIR'
>

export const adminPasswordFile = (config: AdminConfig) =>
  resolve(config.SHOP_ADMIN_PASSWORD_FILE ?? join(config.AUTH_KEYS_DIR, ADMIN_PASSWORD_FILE_NAME))

/**
 * The password in `path`, written there first when absent. Replicas starting at once on one
 * folder all read the one that was linked into place first.
 */
async function keptPassword(path: string, log: FastifyBaseLogger): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const draft = `${path}.${process.pid}.${crypto.randomUUID()}`
  await writeFile(draft, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 })
  try {
    await link(draft, path)
    log.warn(
      { path },
      'SHOP_ADMIN_PASSWORD is unset: the admin password was generated into this file',
    )
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await rm(draft, { force: true })
  }
  return (await readFile(path, 'utf8')).trim()
}

/** Creates the admin unless a user with its email exists (then changes nothing). */
export async function ensureBootstrapAdmin(config: AdminConfig, deps: BootstrapAdminDeps) {
  const email = config.SHOP_ADMIN_EMAIL
  if (await deps.users.findCredentials(email)) return
  const password =
    config.SHOP_ADMIN_PASSWORD ?? (await keptPassword(adminPasswordFile(config), deps.log))
  const passwordHash = await deps.passwords.hash(password)
  try {
    await deps.users.insert({ email, fullName: 'Shop admin', passwordHash, roles: ['admin'] })
    deps.log.info({ email }, 'bootstrap admin created')
  } catch (error) {
    // Another replica created it first.
    if (!(error instanceof EmailTakenError)) throw error
  }
}
