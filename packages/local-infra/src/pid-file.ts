import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
const STOP_WAIT_MS = 30_000

export function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The command line of a live process, or undefined once it has gone. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    const { stdout } = await run('ps', ['-o', 'args=', '-p', String(pid)])
    return stdout.trim() || undefined
  } catch {
    return undefined
  }
}

/** Sends `signal`, then waits for the process to go; SIGKILL if it outlives the wait. */
export async function stopPid(pid: number, signal: NodeJS.Signals, waitMs = STOP_WAIT_MS) {
  try {
    process.kill(pid, signal)
  } catch {
    return
  }
  const deadline = Date.now() + waitMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Stops the process a pid file names when it is still running and its command line
 * contains `expected`: what a previous run killed outright left behind. A stale file
 * (its process gone, or the pid taken by something else) is left alone.
 */
export async function stopLeftover(pidFile: string, expected: string, signal: NodeJS.Signals) {
  let pid: number
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10)
  } catch {
    return false
  }
  if (!(pid > 0) || pid === process.pid) return false
  const args = await commandLine(pid)
  if (!args?.includes(expected)) return false
  await stopPid(pid, signal)
  return true
}
