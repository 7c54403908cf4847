import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@shop/local-infra'
import { signUp, uniqueName } from '@shop/test-kit'
import { type Child, startChild, waitForHttp } from './child.js'
import type { Cleanup } from './cleanup.js'
import { entryArgs, type Side, WORKING_TREE } from './side.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export const ENTRY = {
  gateway: here('../../api-gateway/src/server.ts'),
  userService: here('../../user-service/src/server.ts'),
  orderService: here('../../order-service/src/api/server.ts'),
  worker: here('../../order-service/src/worker/server.ts'),
}

/**
 * The load comes from one address, far over the gateway's default rate limits: they are
 * raised, not turned off, so the limiter's work is measured (in Redis where the benchmark
 * gives the gateway its REDIS_URL, as production does; else in memory).
 */
export const RAISED_RATE_LIMITS = {
  RATE_LIMIT_MAX: '1000000000',
  RATE_LIMIT_CREDENTIALS_MAX: '1000000000',
}
export const RAISED_RATE_LIMITS_NOTE =
  "the gateway's rate limits are raised to 1e9 a minute (RATE_LIMIT_MAX, RATE_LIMIT_CREDENTIALS_MAX): all the load comes from one address"

export interface StartedServer {
  url: string
  child: Child
}

/**
 * One service of the shop in its own process on a free port, from the TypeScript sources (or
 * `side`'s build of that entry point, on its Node), with the node flags production gives it,
 * ready once `/readyz` answers 200. `portVariable` names where it reads its port. With
 * `profileDir`, Node writes a CPU profile there when the process ends.
 */
export async function startServer(
  cleanup: Cleanup,
  name: string,
  file: string,
  env: Record<string, string>,
  {
    portVariable = 'PORT',
    profileDir,
    side = WORKING_TREE,
  }: { portVariable?: string; profileDir?: string; side?: Side } = {},
): Promise<StartedServer> {
  const port = await freePort()
  const profile = profileDir
    ? // One folder per process: the main thread's profile is the largest file in it.
      ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name.replace(/\W+/g, '-'))}`]
    : []
  const child = startChild(
    name,
    side.node,
    [...profile, ...(await entryArgs(side, file))],
    // Its metrics listener on any free port: several workers run side by side.
    { HOST: '127.0.0.1', [portVariable]: String(port), METRICS_PORT: '0', ...env },
    side.root,
  )
  cleanup.add(name, () => child.stop())
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(child, `${url}/readyz`)
  return { url, child }
}

/**
 * The issuer every benchmarked process trusts: user-service signs its tokens with this `iss`
 * (any URL; clients never fetch it), and verifiers fetch its keys from `authEnv`'s address.
 */
export const BENCH_ISSUER = 'http://shop.bench.test'

/** user-service's share of the identity settings: its name as issuer, its keys in a scratch folder. */
export async function issuerEnv(cleanup: Cleanup) {
  const keysDir = await mkdtemp(join(tmpdir(), 'shop-bench-keys-'))
  cleanup.add('signing keys', () => rm(keysDir, { recursive: true, force: true }))
  return { AUTH_ISSUER: BENCH_ISSUER, AUTH_KEYS_DIR: keysDir }
}

/** What makes the gateway or order-service verify tokens from the user-service at `url`. */
export const authEnv = (userServiceUrl: string) => ({
  AUTH_ISSUER: BENCH_ISSUER,
  AUTH_DISCOVERY_URL: `${userServiceUrl}/.well-known/openid-configuration`,
})

/** A customer the load orders for, with a token of their own. */
export interface BenchCustomer {
  id: number
  token: string
}

/**
 * `count` customers signed up and in at `baseUrl` (POST /users, POST /tokens), a few at a
 * time: the load gives each simulated client its own.
 */
export async function signUpCustomers(baseUrl: string, count: number): Promise<BenchCustomer[]> {
  const customers: BenchCustomer[] = []
  while (customers.length < count) {
    const batch = Array.from({ length: Math.min(4, count - customers.length) }, () =>
      signUp(baseUrl, { email: `${uniqueName('bench')}@example.com`, fullName: 'Bench' }),
    )
    for (const { id, token } of await Promise.all(batch)) customers.push({ id, token })
  }
  return customers
}
