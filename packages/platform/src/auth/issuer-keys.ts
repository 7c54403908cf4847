import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTVerifyGetKey,
} from 'jose'

/** The issuer's keys could not be had and none are cached: the request cannot be judged. */
export class IssuerUnavailable extends Error {
  override name = 'IssuerUnavailable'
}

export interface IssuerKeysOptions {
  discoveryUrl: string
  /** Bound on each fetch of the discovery document or the key set. */
  timeoutMs: number
  /** How long fetched keys are used before they are fetched again. */
  cacheMs: number
}

/** Reads `url` as JSON within `timeoutMs`; any failure is the issuer's unavailability. */
async function fetchJson(url: string, timeoutMs: number, signal?: AbortSignal) {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: signal ?? AbortSignal.timeout(timeoutMs),
    })
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
    return (await response.json()) as unknown
  } catch (error) {
    if (error instanceof IssuerUnavailable) throw error
    throw new IssuerUnavailable(`${url}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * The issuer's signing keys: its discovery document is fetched once (on first need, again
 * after a failure), then jose's remote key set fetches `jwks_uri`, keeps it for `cacheMs`
 * and fetches again when a token names a key it does not know. When a fetch fails while keys
 * are cached, the cached keys still serve, so a blip at the issuer never fails valid tokens.
 */
export function issuerKeys({
  discoveryUrl,
  timeoutMs,
  cacheMs,
}: IssuerKeysOptions): JWTVerifyGetKey {
  let remote: ReturnType<typeof createRemoteJWKSet> | undefined
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined

  async function discover() {
    const document = await fetchJson(discoveryUrl, timeoutMs)
    const jwksUri = (document as { jwks_uri?: unknown } | null)?.jwks_uri
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      throw new IssuerUnavailable(`${discoveryUrl} names no jwks_uri`)
    }
    remote = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: timeoutMs,
      cacheMaxAge: cacheMs,
      // Every failure of the key set's fetch is ours, so it is told apart from a bad token.
      [customFetch]: async (url: string, init: RequestInit) =>
        Response.json(await fetchJson(url, timeoutMs, init.signal ?? undefined)),
    })
    return remote
  }

  function keySet() {
    if (remote) return remote
    discovering ??= discover().finally(() => {
      discovering = undefined
    })
    return discovering
  }

  return async (header, token) => {
    const keys = await keySet()
    try {
      return await keys(header, token)
    } catch (error) {
      const unreachable =
        error instanceof IssuerUnavailable ||
        error instanceof errors.JWKSInvalid ||
        error instanceof errors.JWKSTimeout
      if (!unreachable) throw error
      const cached = keys.jwks()
      if (cached === undefined) {
        throw error instanceof IssuerUnavailable ? error : new IssuerUnavailable(error.message)
      }
      return createLocalJWKSet(cached)(header, token)
    }
  }
}

/**
 * Keys this process holds itself (the issuer verifying its own tokens, with no request to
 * itself), tried first; a token naming a key they lack is judged by the issuer's published ones.
 */
export function ownKeysFirst(own: JWTVerifyGetKey, published: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await own(header, token)
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return published(header, token)
      throw error
    }
  }
}
