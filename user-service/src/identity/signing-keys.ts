// The keys user-service signs tokens with. In production they come from the environment (a
// Kubernetes Secret shared by every replica); otherwise one is generated on first start and
// kept in AUTH_KEYS_DIR (the native stack's data folder, a compose volume), so tokens stay
// valid across restarts. The first key signs; every key is published, so that after a new
// key is put first, tokens signed by the old one verify until they expire.
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '@shop/platform'
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose'

export const SIGNING_ALG = 'ES256'
export const KEYS_FILE_NAME = 'signing-keys.json'

export interface SigningKeySource {
  AUTH_SIGNING_KEYS?: string | undefined
  AUTH_SIGNING_KEYS_FILE?: string | undefined
  AUTH_KEYS_DIR: string
}

export interface PublicJwk {
  kty: string
  crv: string
  x: string
  y: string
  kid: string
  alg: string
  use: string
}

export interface SigningKeys {
  /** The key that signs, and its `kid` (RFC 7638 thumbprint). */
  signer: { kid: string; key: CryptoKey }
  /** Every key's public half, as `/.well-known/jwks.json` publishes them. */
  jwks: { keys: PublicJwk[] }
  /** Where the keys came from, for the start-up log (never the keys). */
  origin: string
}

function invalid(variable: string, why: string): never {
  throw new ConfigError(`invalid configuration: ${variable}: ${why}`)
}

function parseKeySet(text: string, variable: string): JWK[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    invalid(variable, 'is not JSON (expected a JWK set: {"keys":[...]})')
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || keys.length === 0) invalid(variable, 'holds no key in "keys"')
  keys.forEach((key: JWK, index) => {
    if (key?.kty !== 'EC' || key.crv !== 'P-256' || typeof key.d !== 'string') {
      invalid(variable, `key ${index + 1} is not a private EC P-256 JWK (ES256)`)
    }
  })
  return keys
}

async function toSigningKeys(privateJwks: JWK[], origin: string): Promise<SigningKeys> {
  const published = await Promise.all(
    privateJwks.map(async (jwk): Promise<PublicJwk> => {
      // Checked by parseKeySet: an EC P-256 key, whose x and y jose checks on import.
      const publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) }
      const kid = await calculateJwkThumbprint(publicJwk)
      return { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }
    }),
  )
  // Checked by parseKeySet: there is at least one key.
  const first = published[0] as PublicJwk
  const key = (await importJWK({ ...privateJwks[0], alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey
  return { signer: { kid: first.kid, key }, jwks: { keys: published }, origin }
}

/** A fresh ES256 private key as a JWK. */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const { kty, crv, x, y, d } = await exportJWK(privateKey)
  return { kty, crv, x, y, d }
}

/**
 * The key set kept in `dir`, generated when absent. Written to a temporary file and linked
 * into place, so replicas starting at once on one volume all end up with the same keys.
 */
async function keptKeySet(dir: string): Promise<string> {
  const path = join(dir, KEYS_FILE_NAME)
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const draft = `${path}.${process.pid}.${crypto.randomUUID()}`
  await writeFile(draft, JSON.stringify({ keys: [await generateSigningJwk()] }), { mode: 0o600 })
  try {
    await link(draft, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await rm(draft, { force: true })
  }
  return readFile(path, 'utf8')
}

export async function loadSigningKeys(source: SigningKeySource): Promise<SigningKeys> {
  if (source.AUTH_SIGNING_KEYS !== undefined) {
    return toSigningKeys(
      parseKeySet(source.AUTH_SIGNING_KEYS, 'AUTH_SIGNING_KEYS'),
      'AUTH_SIGNING_KEYS',
    )
  }
  if (source.AUTH_SIGNING_KEYS_FILE !== undefined) {
    const file = source.AUTH_SIGNING_KEYS_FILE
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
      invalid('AUTH_SIGNING_KEYS_FILE', `cannot read ${file} (${error.code ?? error.message})`),
    )
    return toSigningKeys(parseKeySet(text, 'AUTH_SIGNING_KEYS_FILE'), file)
  }
  const path = join(source.AUTH_KEYS_DIR, KEYS_FILE_NAME)
  return toSigningKeys(parseKeySet(await keptKeySet(source.AUTH_KEYS_DIR), path), path)
}
