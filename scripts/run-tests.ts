/**
 * Runs test files with node's test runner against one PostgreSQL and one Redis started for
 * the whole run (every suite then makes its own database, queue names and key prefixes).
 * Usage: tsx scripts/run-tests.ts [folder or file ...]   (default: every workspace package)
 * TEST_DATABASE_URL / TEST_REDIS_URL point the run at servers you already have.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdir, stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { startTestPostgres, startTestRedis } from '@shop/platform/testing'

const root = resolve(import.meta.dirname, '..')
const DEFAULT_FOLDERS = [
  'packages/platform',
  'user-service',
  'order-service',
  'api-gateway',
  'benchmarks',
  'tests',
]

async function testFiles(target: string): Promise<string[]> {
  const path = resolve(process.cwd(), target)
  if ((await stat(path)).isFile()) return [path]
  const entries = await readdir(path, { recursive: true })
  return entries
    .filter((entry) => entry.endsWith('.test.ts') && !entry.includes('node_modules'))
    .map((entry) => join(path, entry))
}

const targets = process.argv.slice(2)
const folders = targets.length > 0 ? targets : DEFAULT_FOLDERS.map((f) => join(root, f))
const existing = await Promise.all(
  folders.map((folder) =>
    stat(resolve(process.cwd(), folder)).then(
      () => folder,
      () => null,
    ),
  ),
)
const files = (await Promise.all(existing.filter((f) => f !== null).map(testFiles))).flat().sort()
if (files.length === 0) {
  process.stderr.write(`no test files under ${folders.join(', ')}\n`)
  process.exit(1)
}

const postgres = await startTestPostgres()
const redis = await startTestRedis()
let exitCode = 1
try {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      '--test',
      ...files.map((f) => relative(root, f)),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: postgres.url, TEST_REDIS_URL: redis.url },
    },
  )
  const stop = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', stop).on('SIGTERM', stop)
  const [code] = (await once(child, 'exit')) as [number | null]
  exitCode = code ?? 1
} finally {
  await redis.stop()
  await postgres.stop()
}
process.exit(exitCode)
