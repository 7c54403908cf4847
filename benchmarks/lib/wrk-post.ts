import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { BenchCustomer } from './services.js'
import { type LoadOptions, parseWrkOutput } from './wrk.js'

const run = promisify(execFile)
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * What each request posts: a new user (a fresh email) each time, or an order of each customer
 * in turn, sent with that customer's token.
 */
export type PostBody = { newUserPrefix: string } | { ordersOf: BenchCustomer[] }

/**
 * wrk POSTing JSON with one thread, like `runWrk` for GETs; a shell runs it so the shell's
 * cutime/cstime afterwards is wrk's own CPU.
 */
export async function runWrkPost(
  url: string,
  body: PostBody,
  { connections, durationS }: LoadOptions,
) {
  const script =
    'wrk "$@" || exit $?; sed "s/.*) //" /proc/$$/stat | awk \'{ print "SH_TIMES", $14, $15 }\''
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '10s']
  args.push('-s', here('./wrk-post.lua'), url)
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    WRK_REPORT_SCRIPT: here('./wrk.lua'),
  }
  if ('ordersOf' in body) {
    env.WRK_CUSTOMERS = body.ordersOf.map(({ id, token }) => `${id} ${token}`).join('\n')
  } else {
    env.WRK_EMAIL_PREFIX = body.newUserPrefix
  }
  const { stdout } = await run('/bin/sh', ['-c', script, 'sh', ...args], {
    env,
    maxBuffer: 1 << 20,
  })
  return parseWrkOutput(stdout)
}
