import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { eventually } from '@shop/test-kit'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface ServiceProcess {
  url: string
  child: ChildProcess
  output(): string
  /** Sends `signal` and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * One service's real entry point (`src/server.ts`, from the sources) as a process of its own,
 * on a free port (its metrics listener on another); resolves with its URL once it listens.
 */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_NO_WARNINGS: '1',
      PORT: '0',
      METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
  }
  try {
    const url = await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${entry} exited: ${output}`)
        // The first such line is the app's: its metrics listener starts after it.
        return /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      },
      { timeoutMs: 60_000, what: `${entry} listening` },
    )
    return { url, child, output: () => output, stop }
  } catch (error) {
    await stop('SIGKILL')
    throw error
  }
}
