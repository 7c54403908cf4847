import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { eventually } from '@shop/test-kit'

const serviceRoot = fileURLToPath(new URL('..', import.meta.url))

/** src/server.ts in a process of its own, with only `env` (and PATH); its output kept. */
export function startServer(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', 'src/server.ts'],
    {
      cwd: serviceRoot,
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', METRICS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const output = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString()
  })
  return { child, output }
}

export async function exitCode(child: ChildProcess) {
  if (child.exitCode !== null) return child.exitCode
  const [code] = (await once(child, 'exit')) as [number | null]
  return code
}

/** The address the server says it listens at, once it does. */
export function listeningAt(output: { stdout: string; stderr: string }) {
  return eventually(
    async () => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout)?.[1],
    { what: `server listening (stderr: ${output.stderr})`, timeoutMs: 30_000 },
  )
}
