import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { type ComposeProject, DEV_FILES } from './compose-project.js'
import { ROOT } from './engine.js'

/** `docker compose -f docker-compose.yml -f docker-compose.dev.yml watch`, in the background. */
export class ComposeWatch {
  private output = ''
  private readonly child: ChildProcess

  constructor(project: ComposeProject) {
    this.child = spawn('docker', ['compose', ...DEV_FILES, 'watch'], {
      cwd: ROOT,
      env: project.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        this.output += chunk
      })
    }
  }

  /** The end of what watch printed, for a failure's message. */
  tail(lines = 20) {
    return this.output.trim().split('\n').slice(-lines).join('\n')
  }

  /** SIGINT, as Ctrl-C: watch stops following files and leaves the containers running. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill('SIGINT')
    await exited
  }
}

/** Appends `line` to a source file; `restore()` puts the file back as it was. */
export async function editSource(path: string, line: string) {
  const file = resolve(ROOT, path)
  const original = await readFile(file)
  await appendFile(file, `${line}\n`)
  let restored = false
  return {
    async restore() {
      if (restored) return
      restored = true
      await writeFile(file, original)
    },
  }
}
