import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { relative } from 'node:path'

export interface RunFilesOptions {
  files: string[]
  /** Where node runs, and what file names in the output are relative to. */
  cwd: string
  env: NodeJS.ProcessEnv
  /** A file still running after this long hung (a leftover handle, a test without a bound). */
  fileTimeoutMs: number
  /** Files run at once; each file's output is printed whole when it ends unless this is 1. */
  concurrency: number
  write: (text: string) => void
}

type Outcome = 'passed' | 'failed' | 'hung'

/** Kills a file's whole process group: whatever it started goes with it. */
function killGroup(child: ChildProcess) {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  } catch {}
}

/**
 * Runs each test file in a node test runner of its own, at most `fileTimeoutMs` each: a file
 * that has not ended by then is stopped and named ("FILE hung after N s"), where a single
 * `node --test` over every file would wait for it without end. Resolves with the exit code:
 * 0 when every file passed.
 */
export async function runTestFiles(options: RunFilesOptions): Promise<number> {
  const { files, cwd, env, fileTimeoutMs, concurrency, write } = options
  const running = new Set<ChildProcess>()
  const queue = [...files]
  // Ctrl-C: what runs stops, nothing more starts, and the run ends failed.
  const stopAll = () => {
    queue.length = 0
    for (const child of running) killGroup(child)
  }
  process.once('SIGINT', stopAll).once('SIGTERM', stopAll)
  const outcomes = new Map<string, Outcome>()
  // Each file's runner reports to a person, even when this runs inside a test itself.
  const { NODE_TEST_CONTEXT: _, ...fileEnv } = env

  async function runOne(file: string) {
    const name = relative(cwd, file)
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', '--test', '--test-reporter=spec', name],
      { cwd, env: fileEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    running.add(child)
    let held = ''
    const take = (chunk: Buffer) => {
      if (concurrency === 1) write(chunk.toString())
      else held += chunk
    }
    child.stdout?.on('data', take)
    child.stderr?.on('data', take)
    let hung = false
    const timer = setTimeout(() => {
      hung = true
      killGroup(child)
    }, fileTimeoutMs)
    const [code] = (await once(child, 'close')) as [number | null]
    clearTimeout(timer)
    running.delete(child)
    if (concurrency !== 1) write(`▶ ${name}\n${held}`)
    const outcome: Outcome = hung ? 'hung' : code === 0 ? 'passed' : 'failed'
    if (hung) write(`✖ ${name} hung after ${fileTimeoutMs / 1000} s: stopped\n`)
    outcomes.set(name, outcome)
  }

  async function worker() {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runOne(file)
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  } finally {
    process.off('SIGINT', stopAll).off('SIGTERM', stopAll)
  }

  const notPassed = [...outcomes].filter(([, outcome]) => outcome !== 'passed')
  const passed = outcomes.size - notPassed.length
  write(`\n${files.length} test files: ${passed} passed\n`)
  for (const [name, outcome] of notPassed) write(`✖ ${name} ${outcome}\n`)
  return passed === files.length ? 0 : 1
}
