import { Redis, type RedisOptions } from 'ioredis'

/**
 * For code answering HTTP requests: fails fast while Redis is away instead of queueing
 * commands, so a request is never held hostage by a broken connection.
 */
export function createFailFastRedis(url: string, options: RedisOptions = {}) {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    ...options,
  })
}

/** For BullMQ workers: blocking commands must wait through reconnects (BullMQ requires it). */
export function createWorkerRedis(url: string, options: RedisOptions = {}) {
  return new Redis(url, { maxRetriesPerRequest: null, ...options })
}
