import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const ROOT = resolve(import.meta.dirname, '../../..')
const ENGINE = resolve(ROOT, 'scripts/compose/engine.sh')
const BASE_IMAGES = resolve(ROOT, 'scripts/compose/build-base-images.sh')

/**
 * Why this machine cannot run the suite, or undefined when it can: engine.sh installs Docker
 * Engine with apt-get, so it needs root on Debian. Without it the suite is skipped with that
 * line, except under CI (`CI` set), where the line fails it.
 */
async function engineProblem(): Promise<string | undefined> {
  const os = await readFile('/etc/os-release', 'utf8').catch(() => '')
  if (process.getuid?.() === 0 && /^ID=debian$/m.test(os)) return undefined
  return 'the compose test installs Docker Engine with apt-get: run it as root on Debian (scripts/compose/README.md)'
}

const problem = await engineProblem()
export const skipWithoutEngine = problem !== undefined && !process.env.CI ? problem : false

export interface Engine {
  /** The DOCKER_HOST of the engine engine.sh runs. */
  dockerHost: string
  /** Stops the engine if this run started it. */
  stop(): Promise<void>
}

/** Runs a script with its step lines on our stderr; rejects when it fails. */
async function script(path: string, args: string[], env = process.env): Promise<string> {
  const child = spawn(path, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`${path} ${args.join(' ')} exited with ${code}`)
  return stdout
}

/**
 * Docker Engine and Compose v2 (scripts/compose/engine.sh, installed when missing) with the
 * stand-in base images built where they are missing (build-base-images.sh).
 */
export async function startEngine(): Promise<Engine> {
  if (problem) throw new Error(problem)
  const wasRunning = await run(ENGINE, ['status']).then(
    () => true,
    () => false,
  )
  const exported = /^export DOCKER_HOST=(\S+)$/m.exec(await script(ENGINE, ['start']))?.[1]
  if (!exported) throw new Error('engine.sh start printed no DOCKER_HOST')
  const stop = async () => {
    if (!wasRunning) await script(ENGINE, ['stop'])
  }
  try {
    await script(BASE_IMAGES, [], { ...process.env, DOCKER_HOST: exported })
  } catch (error) {
    await stop()
    throw error
  }
  return { dockerHost: exported, stop }
}
