import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ticksToSeconds } from './cpu.js'

const run = promisify(execFile)
const REPORT_SCRIPT = fileURLToPath(new URL('./wrk.lua', import.meta.url))

export interface LoadOptions {
  connections: number
  durationS: number
  /** Sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>
}

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** Socket errors, timeouts and answers other than 2xx/3xx. */
  errors: number
  /** CPU seconds wrk itself used: the load generator's share of the two cores. */
  generatorCpuS: number
}

export class MissingToolError extends Error {
  override name = 'MissingToolError'
}

export async function assertWrkInstalled() {
  try {
    await run('wrk', ['--version'])
  } catch (error) {
    // wrk --version exits 1 after printing its banner; only a missing binary throws ENOENT.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingToolError('wrk is not installed: apt-get install -y wrk')
    }
  }
}

/**
 * One thread of wrk (a C event loop: far less CPU per request than a Node load generator,
 * which matters when it shares two cores with what it measures). A shell runs it so the
 * shell's cutime/cstime afterwards is wrk's own CPU.
 */
export async function runWrk(url: string, { connections, durationS, headers = {} }: LoadOptions) {
  // After `(comm) ` come fields 3.. of proc(5): the 14th and 15th are cutime and cstime.
  const script =
    'wrk "$@" || exit $?; sed "s/.*) //" /proc/$$/stat | awk \'{ print "SH_TIMES", $14, $15 }\''
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${durationS}s`,
    '--timeout',
    '10s',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    '-s',
    REPORT_SCRIPT,
    url,
  ]
  const { stdout } = await run('/bin/sh', ['-c', script, 'sh', ...args], {
    maxBuffer: 1 << 20,
  })
  return parseWrkOutput(stdout)
}

export function parseWrkOutput(stdout: string): LoadResult {
  const json = /^WRK_JSON (.*)$/m.exec(stdout)?.[1]
  const times = /^SH_TIMES (\d+) (\d+)$/m.exec(stdout)
  if (!json) throw new Error(`wrk printed no summary:\n${stdout}`)
  const r = JSON.parse(json) as Record<string, number>
  const n = (key: string) => r[key] ?? 0
  const seconds = n('duration_us') / 1e6
  return {
    requests: n('requests'),
    seconds,
    rps: n('requests') / seconds,
    p50Ms: n('p50_us') / 1000,
    p90Ms: n('p90_us') / 1000,
    p99Ms: n('p99_us') / 1000,
    maxMs: n('max_us') / 1000,
    errors:
      n('connect_errors') +
      n('read_errors') +
      n('write_errors') +
      n('status_errors') +
      n('timeouts'),
    generatorCpuS: times ? ticksToSeconds(Number(times[1]) + Number(times[2])) : Number.NaN,
  }
}
