/**
 * What signing in costs, and that a failed sign-in tells nothing by its time: user-service in
 * its own process, signed into one at a time (so each request's time is its own work), with
 * an unknown email, a wrong password and the right one, the kinds interleaved within each
 * round. The figures are the median time per request and the user-service CPU it took, the
 * median over rounds with their spread; then the cost of one argon2id hash at the service's
 * parameters, measured here.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { uniqueName } from '@shop/test-kit'
import { passwordHasherFor } from '../user-service/src/app.js'
import { loadConfig } from '../user-service/src/config.js'
import { Cleanup } from './lib/cleanup.js'
import { cpuByProcess } from './lib/cpu-by-process.js'
import { postgresFor } from './lib/infra.js'
import { commandLine, machineLine } from './lib/machine.js'
import { parseNumberOptions } from './lib/options.js'
import { ENTRY, startServer } from './lib/services.js'
import { fixed, formatTable } from './lib/table.js'

const USAGE = 'usage: pnpm bench sign-in [--requests N] [--rounds N] [--hashes N]'
const PASSWORD = 'bench password 0123'
const say = (line: string) => process.stderr.write(`${line}\n`)

const KINDS = ['unknown email', 'wrong password', 'right password'] as const
type Kind = (typeof KINDS)[number]

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

async function signIn(base: string, email: string, password: string) {
  const started = performance.now()
  const res = await fetch(`${base}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - started }
}

export async function runSignInBenchmark(argv: string[]) {
  const options = parseNumberOptions(argv, USAGE, {
    requests: { default: 40, min: 1, max: 10_000 },
    rounds: { default: 5, min: 1, max: 100 },
    hashes: { default: 20, min: 1, max: 10_000 },
  })
  const cleanup = new Cleanup()
  try {
    const databaseUrl = await postgresFor(cleanup, say)
    const keysDir = await mkdtemp(join(tmpdir(), 'shop-bench-keys-'))
    cleanup.tempDir(keysDir)
    const service = await startServer(cleanup, 'user-service', ENTRY.userService, {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      AUTH_KEYS_DIR: keysDir,
      SHOP_ADMIN_PASSWORD: PASSWORD,
    })
    const email = `${uniqueName('bench')}@example.com`
    const created = await fetch(`${service.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, full_name: 'Bench', password: PASSWORD }),
    })
    if (created.status !== 201) throw new Error(`POST /users answered ${created.status}`)
    const attempts: Record<Kind, () => Promise<{ status: number; ms: number }>> = {
      'unknown email': () => signIn(service.url, `${uniqueName('nobody')}@example.com`, PASSWORD),
      'wrong password': () => signIn(service.url, email, `${PASSWORD}!`),
      'right password': () => signIn(service.url, email, PASSWORD),
    }
    const expected: Record<Kind, number> = {
      'unknown email': 401,
      'wrong password': 401,
      'right password': 200,
    }
    const names = new Map([[service.child.pid, 'user-service']])
    const cpuNow = () => cpuByProcess(names)['user-service'] ?? 0
    for (const kind of KINDS) await attempts[kind]() // warm-up
    const perRound = new Map<Kind, { ms: number[]; cpuMs: number[] }>(
      KINDS.map((kind) => [kind, { ms: [], cpuMs: [] }]),
    )
    for (let round = 1; round <= options.rounds; round++) {
      for (const kind of KINDS) {
        const times: number[] = []
        const cpuBefore = cpuNow()
        for (let i = 0; i < options.requests; i++) {
          const { status, ms } = await attempts[kind]()
          if (status !== expected[kind]) throw new Error(`${kind}: answered ${status}`)
          times.push(ms)
        }
        const figures = perRound.get(kind)
        figures?.ms.push(median(times))
        figures?.cpuMs.push((1000 * (cpuNow() - cpuBefore)) / options.requests)
      }
      say(`round ${round} of ${options.rounds} done`)
    }

    const hasher = await passwordHasherFor(loadConfig({ DATABASE_URL: databaseUrl }))
    const hashMs: number[] = []
    for (let i = 0; i < options.hashes; i++) {
      const started = performance.now()
      await hasher.hash(`${PASSWORD}${i}`)
      hashMs.push(performance.now() - started)
    }

    const spread = (values: number[]) =>
      `${fixed(Math.min(...values), 1)}–${fixed(Math.max(...values), 1)}`
    const rows = KINDS.map((kind) => {
      const { ms, cpuMs } = perRound.get(kind) ?? { ms: [], cpuMs: [] }
      return [kind, fixed(median(ms), 1), spread(ms), fixed(median(cpuMs), 1), spread(cpuMs)]
    })
    console.log(commandLine('sign-in', argv))
    console.log(machineLine())
    console.log(
      `POST /tokens, one at a time, ${options.requests} per kind per round, ${options.rounds} rounds ` +
        '(medians over rounds, spread min–max):',
    )
    console.log(formatTable(['sign-in', 'ms/request', 'spread', 'CPU ms/request', 'spread'], rows))
    console.log(
      `one argon2id hash (m=19 MiB, t=2, p=1), in this process: median ${fixed(median(hashMs), 1)} ms ` +
        `over ${options.hashes} (${spread(hashMs)})`,
    )
    return {
      sign_in: Object.fromEntries(
        KINDS.map((kind) => {
          const { ms, cpuMs } = perRound.get(kind) ?? { ms: [], cpuMs: [] }
          return [
            kind.replace(' ', '_'),
            { ms_per_request: median(ms), cpu_ms_per_request: median(cpuMs), rounds_ms: ms },
          ]
        }),
      ),
      hash_ms: median(hashMs),
    }
  } finally {
    say('stopping everything this benchmark started')
    await cleanup.run()
  }
}
