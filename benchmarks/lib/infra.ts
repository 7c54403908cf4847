import { startTestPostgres, startTestRedis } from '@shop/test-kit'
import type { Cleanup } from './cleanup.js'

/** DATABASE_URL when given (left as it was found), else a throwaway embedded PostgreSQL. */
export async function postgresFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.DATABASE_URL
  if (!given) say('starting an embedded PostgreSQL on a free port')
  const server = await startTestPostgres(given)
  cleanup.add('PostgreSQL', () => server.stop())
  return server.url
}

/** REDIS_URL when given, else a throwaway redis-server. */
export async function redisFor(cleanup: Cleanup, say: (line: string) => void) {
  const given = process.env.REDIS_URL
  if (!given) say('starting redis-server on a free port')
  const server = await startTestRedis(given)
  cleanup.add('redis-server', () => server.stop())
  return server.url
}
