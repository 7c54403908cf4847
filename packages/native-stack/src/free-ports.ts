import { assertPortFree, freePort } from '@shop/local-infra'
import type { StackPorts } from './options.js'

/**
 * `count` consecutive free ports, none of them `taken`: the workers' health ports follow one
 * another, and so do their metrics ports.
 */
async function freePortRun(count: number, taken: Set<number>): Promise<number> {
  for (;;) {
    const first = await freePort()
    if (first + count - 1 > 65_535) continue
    const run = Array.from({ length: count }, (_, i) => first + i)
    if (run.some((port) => taken.has(port))) continue
    try {
      for (const port of run.slice(1)) await assertPortFree(port, 'worker')
      for (const port of run) taken.add(port)
      return first
    } catch {
      // One of the following ports is taken: draw again.
    }
  }
}

/**
 * Free loopback ports for a whole stack, for tests and benchmarks running beside a real one.
 * Nothing listens on any of them until the stack starts, so each is drawn apart from those
 * already chosen: the kernel often hands out neighbouring ports in turn, such as the second
 * worker's.
 */
export async function freeStackPorts(workers: number): Promise<StackPorts> {
  const taken = new Set<number>()
  const firstWorker = await freePortRun(workers, taken)
  const firstWorkerMetrics = await freePortRun(workers, taken)
  const draw = async () => {
    for (;;) {
      const port = await freePort()
      if (!taken.has(port)) {
        taken.add(port)
        return port
      }
    }
  }
  return {
    firstWorker,
    firstWorkerMetrics,
    postgres: await draw(),
    redis: await draw(),
    userService: await draw(),
    orderService: await draw(),
    board: await draw(),
    gateway: await draw(),
    userServiceMetrics: await draw(),
    orderServiceMetrics: await draw(),
    boardMetrics: await draw(),
    gatewayMetrics: await draw(),
  }
}
