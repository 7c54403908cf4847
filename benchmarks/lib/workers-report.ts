import { commandLine, machineLine } from './machine.js'
import { fixed, formatTable, ratio } from './table.js'

export interface Round {
  workers: number
  placedPerSecond: number
  seconds: number
  perSecond: number
  /** CPU seconds of every process the benchmark started, during the drain. */
  cpuSeconds: number
}

export function report(
  argv: string[],
  rounds: Round[],
  options: { orders: number; warmup: number; delay: number; concurrency: number },
) {
  const base = rounds.find((round) => round.workers === 1) ?? rounds[0]
  const ideal = (workers: number) => (workers * options.concurrency * 1000) / options.delay
  console.log()
  console.log(`${commandLine('workers', argv)} · ${machineLine()}`)
  console.log(
    `${options.orders} orders, PROCESSING_DELAY_MS=${options.delay}, WORKER_CONCURRENCY=${options.concurrency}\n` +
      `each N on a fresh stack after ${options.warmup} warm-up orders, timed from queue resume to the last order processed`,
  )
  console.log()
  console.log(
    formatTable(
      [
        'workers',
        'seconds',
        'orders/s',
        `vs ${base?.workers ?? 1} worker`,
        'ceiling orders/s',
        'of ceiling',
        'CPU ms/order',
        'cores busy',
      ],
      rounds.map((round) => [
        String(round.workers),
        fixed(round.seconds, 2),
        fixed(round.perSecond, 1),
        ratio(round.perSecond, base?.perSecond ?? Number.NaN),
        fixed(ideal(round.workers)),
        `${fixed((100 * round.perSecond) / ideal(round.workers))}%`,
        fixed((1000 * round.cpuSeconds) / options.orders, 2),
        fixed(round.cpuSeconds / round.seconds, 2),
      ]),
    ),
  )
  console.log()
  console.log(
    'ceiling: workers × concurrency / delay, what the simulated payment wait alone would allow.\n' +
      'CPU: every process the benchmark started (services, workers, Redis, PostgreSQL) during the drain.',
  )
  const placed = rounds.map((round) => fixed(round.placedPerSecond)).join(', ')
  console.log(`placing the orders (POST /orders, queue paused) ran at ${placed} orders/s.`)
}
