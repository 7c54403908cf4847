import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'

export interface ChildEcho {
  url: string
  child: ChildProcess
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Sends `signal` without waiting, e.g. SIGSTOP to freeze the replica. */
  signal(signal: NodeJS.Signals): void
}

const script = new URL('./echo-process.ts', import.meta.url).pathname

/** Starts an echo upstream as a child process and waits for its URL. */
export async function spawnEcho(
  name: string,
  env: Record<string, string> = {},
): Promise<ChildEcho> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, ECHO_NAME: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`echo ${name} exited with ${code} before listening`)
    }),
  ])) as [string]
  const { url } = JSON.parse(first) as { url: string }
  return {
    url,
    child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill(signal)
      await exited
    },
    signal(signal) {
      child.kill(signal)
    },
  }
}

/**
 * A stopped process whose accept queue (one connection) is full: the kernel drops further
 * SYNs, so a connection attempt neither succeeds nor is refused until it times out.
 */
export async function frozenReplica() {
  const echo = await spawnEcho('users-frozen', { ECHO_BACKLOG: '1' })
  echo.signal('SIGSTOP')
  const { port } = new URL(echo.url)
  const fillers: Socket[] = []
  for (let i = 0; i < 2; i++) {
    const socket = connect(Number(port), '127.0.0.1')
    fillers.push(socket)
    await once(socket, 'connect')
  }
  return {
    url: echo.url,
    async close() {
      for (const socket of fillers) socket.destroy()
      await echo.kill('SIGKILL')
    },
  }
}
