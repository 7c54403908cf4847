/**
 * Run once per start, in a process of its own so that pg never weighs on the supervisor:
 * `init-database <url> [database]` creates `database` (when given, on the server `url`
 * names), applies db/init.sql to it and prints its URL.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensureDatabase, runSqlScript } from '@shop/local-infra'
import { ROOT } from './options.js'

const [url, database] = process.argv.slice(2)
try {
  if (!url) throw new Error('usage: init-database <url> [database]')
  const target = database ? await ensureDatabase(url, database) : url
  await runSqlScript(target, await readFile(join(ROOT, 'db', 'init.sql'), 'utf8'))
  process.stdout.write(`${target}\n`)
} catch (error) {
  process.stderr.write(`${(error as Error).message.split('\n')[0]}\n`)
  process.exit(1)
}
