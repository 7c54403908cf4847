/**
 * The whole system natively, in one command: `pnpm start` (built JavaScript, this file run
 * by plain node from scripts/dist), `pnpm dev` (TypeScript sources, reloaded on save), or
 * `pnpm stack [--mode built|dev|source] [--workers N]`.
 * Environment: DATABASE_URL / REDIS_URL use servers you already run; SHOP_POSTGRES_PORT
 * (5433) / SHOP_REDIS_PORT (6380) move the embedded ones; SHOP_GATEWAY_PORT (8080),
 * SHOP_USER_SERVICE_PORT (8001), SHOP_ORDER_SERVICE_PORT (8002), SHOP_WORKER_PORT (8003, the
 * first worker's) and SHOP_BOARD_PORT (5555) move the processes; SHOP_DATA_DIR (.data) holds
 * the embedded servers' data; BULL_BOARD_USER / _PASSWORD.
 *
 * Every process it starts leads a process group of its own, so a terminal's Ctrl-C reaches
 * only this one, which then stops everything in order: the gateway first, PostgreSQL last.
 */
import { banner, optionsFromCommandLine, type Stack, startStack } from '@shop/native-stack'

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`)

/** One line, whatever failed: the output of the process concerned is just above it. */
function fail(error: unknown): never {
  const message = (error as Error)?.message ?? String(error)
  process.stderr.write(`[stack] ${message.split('\n')[0]}\n`)
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

async function shutdown(reason: string, exitCode = 0) {
  if (stopping) {
    say('already stopping: waiting for every process to exit')
    return
  }
  stopping = true
  process.exitCode = exitCode
  say(`${reason}: stopping`)
  if (!stack) {
    aborted.abort(new Error(`${reason} while starting`))
    return
  }
  await stack.stop()
  say('stopped')
  process.exit()
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal))
}

// A bug of the stack's own stops everything it started, with one line, not a trace.
process.on('uncaughtException', (error) => {
  process.stderr.write(`[stack] ${error.message.split('\n')[0]}\n`)
  void shutdown('error', 1)
})

try {
  stack = await startStack({ ...options, say, abortSignal: aborted.signal })
} catch (error) {
  if (!stopping) fail(error)
  say('stopped')
  process.exit()
}
process.stdout.write(banner(stack, options.board))
