/**
 * Lints every OpenAPI document of a running stack with Redocly CLI and Spectral, using the
 * committed rulesets (redocly.yaml, .spectral.yaml): starts the native stack on free ports,
 * fetches the gateway's merged document and each service's own, and fails on any error or
 * warning either linter reports.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestStack } from '../tests/system/support/test-stack.js'
import { ROOT } from './stack/index.js'

function lint(command: string, args: string[]): boolean {
  const result = spawnSync('pnpm', ['exec', command, ...args], { cwd: ROOT, stdio: 'inherit' })
  return result.status === 0
}

interface RedoclyReport {
  totals: { errors: number; warnings: number }
  problems: Array<{ ruleId: string; severity: string; message: string; location: unknown[] }>
}

/** Redocly's exit code ignores warnings, so its JSON report is read instead. */
function redocly(file: string): boolean {
  const result = spawnSync(
    'pnpm',
    ['exec', 'redocly', 'lint', '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', file],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const report = JSON.parse(result.stdout) as RedoclyReport
  for (const { ruleId, severity, message, location } of report.problems) {
    const where = (location[0] as { pointer?: string } | undefined)?.pointer ?? ''
    console.log(`  ${severity} ${ruleId} ${where}: ${message}`)
  }
  const { errors, warnings } = report.totals
  console.log(`  ${errors} errors, ${warnings} warnings`)
  return errors === 0 && warnings === 0
}

/** How long the gateway may take to fetch every service's document (it polls with backoff). */
const MERGE_WAIT_MS = 60_000

async function fetchDocument(url: string): Promise<{ paths?: Record<string, unknown> }> {
  const response = await fetch(`${url}/docs/json`)
  if (!response.ok) throw new Error(`GET ${url}/docs/json answered ${response.status}`)
  return (await response.json()) as { paths?: Record<string, unknown> }
}

/** The gateway's merged document, once it carries every path it proxies to the services. */
async function mergedDocument(gateway: string, expected: string[]) {
  const deadline = Date.now() + MERGE_WAIT_MS
  for (;;) {
    const document = await fetchDocument(gateway)
    const missing = expected.filter((path) => !(path in (document.paths ?? {})))
    if (missing.length === 0) return document
    if (Date.now() > deadline) {
      throw new Error(`the gateway's document still lacks ${missing.join(', ')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function lintDocument(name: string, document: unknown): Promise<boolean> {
  const file = join(folder, `${name}.json`)
  await writeFile(file, JSON.stringify(document, null, 2))
  console.log(`\n== ${name}: redocly lint`)
  const redoclyClean = redocly(file)
  console.log(`\n== ${name}: spectral lint`)
  const spectralClean = lint('spectral', [
    'lint',
    '--ruleset',
    join(ROOT, '.spectral.yaml'),
    '--fail-severity',
    'warn',
    file,
  ])
  return redoclyClean && spectralClean
}

const running = await startTestStack()
const folder = await mkdtemp(join(tmpdir(), 'shop-openapi-'))
let clean = true
try {
  const { urls } = running.stack
  const services = {
    'user-service': { url: urls.userService, prefix: '/users' },
    'order-service': { url: urls.orderService, prefix: '/orders' },
  }
  const proxied: string[] = []
  for (const [name, { url, prefix }] of Object.entries(services)) {
    const document = await fetchDocument(url)
    const paths = Object.keys(document.paths ?? {})
    proxied.push(...paths.filter((path) => path === prefix || path.startsWith(`${prefix}/`)))
    clean = (await lintDocument(name, document)) && clean
  }
  const merged = await mergedDocument(urls.gateway, proxied)
  clean = (await lintDocument('api-gateway', merged)) && clean
} finally {
  await running.stop()
  await rm(folder, { recursive: true, force: true })
}
if (!clean) {
  console.error('\nOpenAPI lint failed: fix the documents, or justify a rule in the ruleset.')
  process.exitCode = 1
}
