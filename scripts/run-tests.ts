/**
 * Runs test files with node's test runner against one PostgreSQL and one Redis started for
 * the whole run (every suite then makes its own database, queue names and key prefixes).
 * Usage: tsx scripts/run-tests.ts [folder or file ...]   (default: every workspace package)
 * TEST_DATABASE_URL / TEST_REDIS_URL point the run at servers you already have.
 * Each file runs in a node test runner of its own and is stopped, named, after
 * TEST_FILE_TIMEOUT_S seconds (300 by default): a file that hangs cannot hold the run.
 */
import { readdir, stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { runTestFiles, startTestPostgres, startTestRedis } from '@shop/test-kit'

const root = resolve(import.meta.dirname, '..')
/** Five times the longest file (58 s in a full run on two cores under a load average of 19). */
const FILE_TIMEOUT_S = Number(process.env.TEST_FILE_TIMEOUT_S) || 300
const DEFAULT_FOLDERS = [
  'packages',
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
  exitCode = await runTestFiles({
    files,
    cwd: root,
    env: { ...process.env, TEST_DATABASE_URL: postgres.url, TEST_REDIS_URL: redis.url },
    fileTimeoutMs: FILE_TIMEOUT_S * 1000,
    concurrency: Math.max(1, availableParallelism() - 1),
    write: (text) => process.stdout.write(text),
  })
} finally {
  await redis.stop()
  await postgres.stop()
}
process.exit(exitCode)
