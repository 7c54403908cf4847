/**
 * Runs the stack in a process group of its own (scripts/stack.ts starts it so), so that a
 * terminal's Ctrl-C reaches only this process, which then stops everything in order,
 * instead of reaching PostgreSQL and Redis together with the services using them.
 */
import { banner } from './banner.js'
import { optionsFromCommandLine, type Stack, startStack } from './index.js'

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`)
function fail(error: unknown): never {
  process.stderr.write(`[stack] ${(error as Error)?.message ?? String(error)}\n`)
  process.exit(1)
}

let options: ReturnType<typeof optionsFromCommandLine>
try {
  options = optionsFromCommandLine(process.argv.slice(2))
} catch (error) {
  fail(error)
}

const aborted = new AbortController()
let stack: Stack | undefined
let stopping = false

async function shutdown(reason: string) {
  if (stopping) {
    say('already stopping: waiting for every process to exit')
    return
  }
  stopping = true
  say(`${reason}: stopping`)
  if (!stack) {
    aborted.abort(new Error(`${reason} while starting`))
    return
  }
  await stack.stop()
  say('stopped')
  process.exit(0)
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal))
}
// The command that started this one has gone (killed outright): nobody is left to stop us.
process.on('disconnect', () => void shutdown('parent gone'))

const started = await startStack({ ...options, say, abortSignal: aborted.signal }).catch(
  (error: unknown) => {
    if (!stopping) fail(error)
    say('stopped')
    process.exit(0)
  },
)
stack = started
if (stopping) {
  await started.stop()
  process.exit(0)
}
process.stdout.write(banner(started, options.board))
