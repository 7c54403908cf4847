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
import { ROOT } from '@shop/native-stack'
import { startTestStack } from '../tests/system/support/test-stack.js'

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
  for (const [name, document] of Object.entries(running.documents)) {
    clean = (await lintDocument(name, document)) && clean
  }
} finally {
  await running.stop()
  await rm(folder, { recursive: true, force: true })
}
if (!clean) {
  console.error('\nOpenAPI lint failed: fix the documents, or justify a rule in the ruleset.')
  process.exitCode = 1
}
