// Passwords are kept only as argon2id hashes (@node-rs/argon2's default algorithm, RFC 9106).
// Each hash or check holds `memoryKib` of memory on a libuv thread for tens of milliseconds:
// `concurrency` bounds how many run at once (and so the memory they take), and
// `queueMax` how many may wait, so a burst of sign-ins answers 503 instead of piling up.
import { hash, verify } from '@node-rs/argon2'
import pLimit from 'p-limit'

export interface PasswordHashingOptions {
  memoryKib: number
  iterations: number
  concurrency: number
  queueMax: number
}

/** Every hashing slot and queue place is taken: try again shortly. */
export class HashingBusyError extends Error {
  constructor() {
    super('password hashing is at capacity; try again shortly.')
  }
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  /**
   * Whether `password` matches `stored`. Without a stored hash (an unknown email, or a user
   * who has no password yet) it checks against a dummy hash of the same cost and answers
   * false, so that the answer takes as long either way.
   */
  verify(stored: string | null | undefined, password: string): Promise<boolean>
}

export async function createPasswordHasher(
  options: PasswordHashingOptions,
): Promise<PasswordHasher> {
  const params = { memoryCost: options.memoryKib, timeCost: options.iterations, parallelism: 1 }
  const limit = pLimit(options.concurrency)
  const bounded = <T>(work: () => Promise<T>) => {
    if (limit.pendingCount >= options.queueMax) return Promise.reject(new HashingBusyError())
    return limit(work)
  }
  // Random per process: nothing can match it, and it costs what a real hash costs.
  const dummy = await hash(crypto.randomUUID(), params)
  return {
    hash: (password) => bounded(() => hash(password, params)),
    async verify(stored, password) {
      const matched = await bounded(() => verify(stored ?? dummy, password))
      return matched && stored != null
    },
  }
}
