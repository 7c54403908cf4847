/**
 * The whole system natively, in one command: `pnpm start` (built JavaScript), `pnpm dev`
 * (TypeScript sources, reloaded on save), or `pnpm stack [--mode built|dev|source] [--workers N]`.
 * Environment: DATABASE_URL / REDIS_URL use servers you already run; SHOP_POSTGRES_PORT
 * (5433) / SHOP_REDIS_PORT (6380) move the embedded ones; SHOP_GATEWAY_PORT (8080),
 * SHOP_USER_SERVICE_PORT (8001), SHOP_ORDER_SERVICE_PORT (8002), SHOP_WORKER_PORT (8003, the
 * first worker's) and SHOP_BOARD_PORT (5555) move the processes; SHOP_DATA_DIR (.data) holds
 * the embedded servers' data; BULL_BOARD_USER / _PASSWORD.
 *
 * The work happens in scripts/stack/supervisor.ts, started in a process group of its own;
 * this process relays signals to it, so Ctrl-C stops everything in order.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { optionsFromCommandLine } from './stack/index.js'

const args = process.argv.slice(2)
try {
  optionsFromCommandLine(args)
} catch (error) {
  process.stderr.write(`[stack] ${(error as Error).message}\n`)
  process.exit(1)
}

const supervisor = spawn(
  process.execPath,
  [
    '--import',
    import.meta.resolve('tsx'),
    '--conditions=development',
    join(import.meta.dirname, 'stack', 'supervisor.ts'),
    ...args,
  ],
  { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
)

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => supervisor.kill(signal))
}
supervisor.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
