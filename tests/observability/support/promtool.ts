import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const INSTALL_PROMTOOL =
  'promtool is required for the observability test: apt-get install prometheus'

/**
 * Why promtool cannot run, or undefined when it can. Without it the suite is skipped with
 * that line, except under CI (`CI` set), where the line fails it.
 */
async function promtoolProblem(): Promise<string | undefined> {
  try {
    await run('promtool', ['--version'])
    return undefined
  } catch {
    return INSTALL_PROMTOOL
  }
}

export const promtoolMissing = await promtoolProblem()
export const skipWithoutPromtool =
  promtoolMissing !== undefined && !process.env.CI ? promtoolMissing : false

/** `promtool ARGS...` in `cwd`: its output, stdout and stderr together, and whether it passed. */
export async function promtool(
  args: string[],
  cwd: string,
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd })
    return { ok: true, output: stdout + stderr }
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    return { ok: false, output: stdout + stderr }
  }
}
