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

/** Free loopback ports for a whole stack, for tests and benchmarks running beside a real one. */
export async function freeStackPorts(workers: number): Promise<StackPorts> {
  return {
    firstWorker: await freePortRun(workers),
    postgres: await freePort(),
    redis: await freePort(),
    userService: await freePort(),
    orderService: await freePort(),
    board: await freePort(),
    gateway: await freePort(),
  }
}
