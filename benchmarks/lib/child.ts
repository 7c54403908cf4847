import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

const STOP_GRACE_MS = 10_000
const KEPT_CHARS = 4_000

export interface Child {
  name: string
  pid: number
  /** The last few thousand characters of its stderr: why it died, when it did. */
  stderr(): string
  exited(): boolean
  stop(): Promise<void>
}

/**
 * Starts a program whose stdout is thrown away (a server's per-request logs are still
 * written, as in production, but nobody in the benchmark's process reads them).
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Child {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-KEPT_CHARS)
  })
  let exited = false
  const exit = once(child, 'exit').then(() => {
    exited = true
  })
  // A program that is not installed reports through 'error' and then exits.
  child.on('error', (error) => {
    stderr += `${error.message}\n`
  })
  return {
    name,
    pid: child.pid ?? -1,
    stderr: () => stderr,
    exited: () => exited,
    async stop() {
      if (exited) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      await exit
      clearTimeout(timer)
    },
  }
}

/** A TypeScript entry point of this repository, run by Node through tsx (no build needed). */
export function startNodeChild(name: string, file: string, env: Record<string, string>) {
  const args = ['--import', import.meta.resolve('tsx'), '--conditions=development', file]
  return startChild(name, process.execPath, args, env)
}

/** Waits until `url` answers 200, failing early with the child's stderr when it exits. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (child.exited())
      throw new Error(`${child.name} exited before it answered:\n${child.stderr()}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      last = `${response.status} ${await response.text()}`
      if (response.status === 200) return
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${child.name} did not answer 200 at ${url} within ${timeoutMs} ms: ${last}`)
}
