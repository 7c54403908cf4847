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
  | 'floor: Node http + undici client'
  | 'floor: Fastify + undici client'
  | 'floor: Fastify + @fastify/http-proxy'

const FLOORS: Path[] = [
  'floor: Node http + undici client',
  'floor: Fastify + undici client',
  'floor: Fastify + @fastify/http-proxy',
]

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

const ROUTE_NAMES: Record<Route, string> = {
  trivial: 'GET /users/1 (trivial)',
  real: 'GET /users/{id} (real)',
}

const PROXIES: Path[] = ['api-gateway', 'api-gateway, LOG_LEVEL=warn', 'stock proxy', 'nginx']

type Ratio = number | null

/** Issue targets, each a ratio of two figures of the same run. */
const TARGETS = [
  {
    name: 'trivial: added CPU/req, gateway at warn ÷ stock proxy',
    route: 'trivial',
    of: 'api-gateway, LOG_LEVEL=warn',
    to: 'stock proxy',
    figure: 'added',
    at_most: 0.6,
  },
  {
    name: 'trivial: added CPU/req, gateway at info ÷ stock proxy',
    route: 'trivial',
    of: 'api-gateway',
    to: 'stock proxy',
    figure: 'added',
    at_most: 0.8,
  },
  {
    name: 'real: req/s, gateway at info ÷ direct',
    route: 'real',
    of: 'api-gateway',
    to: 'direct',
    figure: 'rps',
    at_least: 0.7,
  },
] as const

/** A configuration by route and path, and what a proxy itself spends: its CPU less direct's. */
function measuredLookup(measured: Measured[]) {
  const find = (route: Route, path: Path) =>
    measured.find((m) => m.route === route && m.path === path)
  const addedCpuUs = (m: Measured | undefined) =>
    !m || m.path === 'direct'
      ? Number.NaN
      : m.serverCpuUs - (find(m.route, 'direct')?.serverCpuUs ?? Number.NaN)
  return { find, addedCpuUs }
}

/** Every configuration's figures as plain data. */
export function figureRows(measured: Measured[]) {
  const { find, addedCpuUs } = measuredLookup(measured)
  const rpsVsDirect = (m: Measured) =>
    m.result.rps / (find(m.route, 'direct')?.result.rps ?? Number.NaN)
  return measured.map((m) => ({
    route: m.route,
    through: m.path,
    requests: m.result.requests,
    rps: round(m.result.rps),
    rps_vs_direct: round(rpsVsDirect(m), 3),
    p50_ms: round(m.result.p50Ms, 2),
    p90_ms: round(m.result.p90Ms, 2),
    p99_ms: round(m.result.p99Ms, 2),
    cpu_us_per_request: round(m.serverCpuUs, 1),
    added_cpu_us_per_request: round(addedCpuUs(m), 1),
    wrk_cpu_share: round(m.result.generatorCpuS / m.result.seconds, 3),
    errors: m.result.errors,
  }))
}

/** Prints the tables and returns every figure as plain data, for `pnpm bench --json`. */
export function report(
  argv: string[],
  measured: Measured[],
  options: { duration: number; warmup: number; connections: number; rounds: number },
) {
  const { find, addedCpuUs } = measuredLookup(measured)
  const rows = figureRows(measured)

  const comparisons: Record<string, { rps: Ratio; cpu: Ratio; added_cpu: Ratio }> = {}
  for (const route of ['trivial', 'real'] as const) {
    const pairs: [Path, Path][] = [
      ...PROXIES.map((path): [Path, Path] => [path, 'direct']),
      ['api-gateway', 'stock proxy'],
      ['api-gateway, LOG_LEVEL=warn', 'stock proxy'],
      ['api-gateway', 'nginx'],
      ['api-gateway, LOG_LEVEL=warn', 'api-gateway'],
      ...FLOORS.map((path): [Path, Path] => [path, 'stock proxy']),
    ]
    for (const [of, to] of pairs) {
      const a = find(route, of)
      const b = find(route, to)
      if (!a || !b) continue
      comparisons[`${route}: ${of} / ${to}`] = {
        rps: round(a.result.rps / b.result.rps, 3),
        cpu: round(a.serverCpuUs / b.serverCpuUs, 3),
        added_cpu: round(addedCpuUs(a) / addedCpuUs(b), 3),
      }
    }
  }

  const targets = TARGETS.map((target) => {
    const a = find(target.route, target.of)
    const b = find(target.route, target.to)
    const value =
      target.figure === 'added'
        ? addedCpuUs(a) / addedCpuUs(b)
        : (a?.result.rps ?? Number.NaN) / (b?.result.rps ?? Number.NaN)
    const met = 'at_most' in target ? value <= target.at_most : value >= target.at_least
    const bound = 'at_most' in target ? `≤ ${target.at_most}` : `≥ ${target.at_least}`
    return { name: target.name, value: round(value, 3), target: bound, met }
  })

  console.log()
  console.log(`${commandLine('gateway', argv)} · ${machineLine()}`)
  console.log(
    `wrk -t1 -c${options.connections} -d${options.duration}s after a ${options.warmup} s warm-up, one configuration after another, ` +
      `${options.rounds} rounds; each row is the configuration's round with the least CPU per request`,
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
      measured.map((m) => [
        ROUTE_NAMES[m.route],
        m.path,
        fixed(m.result.rps),
        ratio(m.result.rps, find(m.route, 'direct')?.result.rps ?? Number.NaN),
        fixed(m.result.p50Ms, 2),
        fixed(m.result.p90Ms, 2),
        fixed(m.result.p99Ms, 2),
        fixed(m.serverCpuUs),
        fixed(addedCpuUs(m)),
        `${fixed((100 * m.result.generatorCpuS) / m.result.seconds)}%`,
        String(m.result.errors),
      ]),
    ),
  )
  console.log()
  console.log(
    formatTable(
      ['ratio', 'req/s', 'CPU per request', 'added CPU per request'],
      Object.entries(comparisons).map(([name, c]) => [
        name,
        times(c.rps),
        times(c.cpu),
        name.endsWith('/ direct') ? '-' : times(c.added_cpu),
      ]),
    ),
  )
  console.log()
  console.log(
    formatTable(
      ['target', 'measured', 'target', 'met'],
      targets.map((t) => [t.name, times(t.value), t.target, t.met ? 'yes' : 'NO']),
    ),
  )
  console.log()
  console.log(
    'CPU µs/req: CPU time of every process this benchmark started (proxy, upstream, PostgreSQL),\n' +
      'over the measured run, per request; added: that minus the direct row, what the proxy itself costs.\n' +
      'On a busy machine req/s of a multi-hop path suffers from run-queue waits; CPU/req does not.',
  )
  return {
    command: commandLine('gateway', argv),
    machine: machineLine(),
    options,
    rows,
    comparisons,
    targets,
  }
}

/** A finite number rounded for JSON, or null (JSON has no NaN). */
function round(value: number, digits = 0) {
  if (!Number.isFinite(value)) return null
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

const times = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}×`)
