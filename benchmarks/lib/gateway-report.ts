import { commandLine, machineLine } from './machine.js'
import { fixed, formatTable, ratio } from './table.js'
import type { LoadResult } from './wrk.js'

export type Route = 'trivial' | 'real'
export type Path =
  | 'direct'
  | 'api-gateway'
  | 'api-gateway, LOG_LEVEL=warn'
  | 'nginx'
  | 'stock proxy'

export interface Target {
  route: Route
  path: Path
  url: string
}

export interface Measured extends Target {
  result: LoadResult
  /** CPU of every process the benchmark started (servers, proxies, PostgreSQL) per request. */
  serverCpuUs: number
}

export function report(
  argv: string[],
  measured: Measured[],
  options: { duration: number; connections: number },
) {
  const find = (route: Route, path: Path) =>
    measured.find((m) => m.route === route && m.path === path)
  /** What the proxy itself spends: the path's CPU per request less the direct one's. */
  const addedCpuUs = (m: Measured) =>
    m.path === 'direct'
      ? Number.NaN
      : m.serverCpuUs - (find(m.route, 'direct')?.serverCpuUs ?? Number.NaN)
  const rows = measured.map((m) => {
    const direct = find(m.route, 'direct')
    return [
      `${m.route === 'trivial' ? 'GET /users/1 (trivial)' : 'GET /users/{id} (real)'}`,
      m.path,
      fixed(m.result.rps),
      ratio(m.result.rps, direct?.result.rps ?? Number.NaN),
      fixed(m.result.p50Ms, 2),
      fixed(m.result.p90Ms, 2),
      fixed(m.result.p99Ms, 2),
      fixed(m.serverCpuUs),
      fixed(addedCpuUs(m)),
      `${fixed((100 * m.result.generatorCpuS) / m.result.seconds)}%`,
      String(m.result.errors),
    ]
  })
  console.log()
  console.log(`${commandLine('gateway', argv)} · ${machineLine()}`)
  console.log(
    `wrk -t1 -c${options.connections} -d${options.duration}s, after a warm-up, one configuration after another`,
  )
  console.log()
  console.log(
    formatTable(
      [
        'route',
        'through',
        'req/s',
        'vs direct',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'CPU µs/req',
        'added',
        'wrk CPU',
        'errors',
      ],
      rows,
    ),
  )
  const pairs: [string, Measured | undefined, Measured | undefined][] = [
    ['gateway / direct', find('trivial', 'api-gateway'), find('trivial', 'direct')],
    ['nginx / direct', find('trivial', 'nginx'), find('trivial', 'direct')],
    ['stock proxy / direct', find('trivial', 'stock proxy'), find('trivial', 'direct')],
    ['gateway / nginx', find('trivial', 'api-gateway'), find('trivial', 'nginx')],
    ['gateway / stock proxy', find('trivial', 'api-gateway'), find('trivial', 'stock proxy')],
    ['real route: gateway / direct', find('real', 'api-gateway'), find('real', 'direct')],
    [
      'gateway at warn / gateway at info',
      find('trivial', 'api-gateway, LOG_LEVEL=warn'),
      find('trivial', 'api-gateway'),
    ],
  ]
  console.log()
  console.log(
    formatTable(
      ['ratio', 'req/s', 'CPU per request', 'added CPU per request'],
      pairs
        .filter(([, a, b]) => a && b)
        .map(([name, a, b]) => [
          name,
          ratio(a?.result.rps ?? Number.NaN, b?.result.rps ?? Number.NaN),
          ratio(a?.serverCpuUs ?? Number.NaN, b?.serverCpuUs ?? Number.NaN),
          a?.path === 'direct' || b?.path === 'direct' || !a || !b
            ? '-'
            : ratio(addedCpuUs(a), addedCpuUs(b)),
        ]),
    ),
  )
  console.log()
  console.log(
    'CPU µs/req: CPU time of every process this benchmark started (proxy, upstream, PostgreSQL),\n' +
      'over the measured run, per request; added: that minus the direct row, what the proxy itself costs.\n' +
      'On a busy machine req/s of a multi-hop path suffers from run-queue waits; CPU/req does not.',
  )
}
