import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@shop/local-infra'
import { nodeFlags } from '@shop/native-stack'
import { uniqueName } from '@shop/test-kit'
import { type Child, startChild, waitForHttp } from './child.js'
import type { Cleanup } from './cleanup.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export const ENTRY = {
  gateway: here('../../api-gateway/src/server.ts'),
  userService: here('../../user-service/src/server.ts'),
  orderService: here('../../order-service/src/api/server.ts'),
  worker: here('../../order-service/src/worker/server.ts'),
}

export interface StartedServer {
  url: string
  child: Child
}

/** The node flags production gives the entry point a source file is built into. */
function productionFlags(file: string) {
  const match = /([^/]+)\/src\/(.+)\.ts$/.exec(file)
  return match ? nodeFlags(match[1] as string, `dist/${match[2]}.js`) : []
}

/**
 * One service of the shop in its own process on a free port, from the TypeScript sources,
 * with the node flags production gives it, ready once `/readyz` answers 200. `portVariable`
 * names where it reads its port. With `profileDir`, Node writes a CPU profile there when the
 * process ends.
 */
export async function startServer(
  cleanup: Cleanup,
  name: string,
  file: string,
  env: Record<string, string>,
  { portVariable = 'PORT', profileDir }: { portVariable?: string; profileDir?: string } = {},
): Promise<StartedServer> {
  const port = await freePort()
  const profile = profileDir
    ? // One folder per process: the main thread's profile is the largest file in it.
      ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name.replace(/\W+/g, '-'))}`]
    : []
  const args = [
    ...productionFlags(file),
    ...profile,
    '--import',
    import.meta.resolve('tsx'),
    '--conditions=development',
  ]
  const child = startChild(name, process.execPath, [...args, file], {
    HOST: '127.0.0.1',
    [portVariable]: String(port),
    ...env,
  })
  cleanup.add(name, () => child.stop())
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(child, `${url}/readyz`)
  return { url, child }
}

/** Registers a user and returns their id. */
export async function createUser(userServiceUrl: string) {
  const response = await fetch(`${userServiceUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${uniqueName('bench')}@example.com`, full_name: 'Bench' }),
  })
  if (response.status !== 201) throw new Error(`POST /users answered ${response.status}`)
  return ((await response.json()) as { id: number }).id
}
