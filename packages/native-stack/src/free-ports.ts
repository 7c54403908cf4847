import { assertPortFree, freePort } from '@shop/local-infra'
import type { StackPorts } from './options.js'

/** `count` consecutive free ports: the workers' health ports follow one another. */
async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const first = await freePort()
    if (first + count - 1 > 65_535) continue
    try {
      for (let port = first + 1; port < first + count; port++) await assertPortFree(port, 'worker')
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
  const firstWorker = await freePortRun(workers)
  const taken = new Set(Array.from({ length: workers }, (_, i) => firstWorker + i))
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
    postgres: await draw(),
    redis: await draw(),
    userService: await draw(),
    orderService: await draw(),
    board: await draw(),
    gateway: await draw(),
  }
}
