/**
 * Which of a benchmark's figures (what it returns, as `--json` writes it) a baseline
 * comparison sets side by side, each named with its unit.
 */

export type Metrics = (figures: unknown) => Record<string, number>

const num = (value: unknown) => (typeof value === 'number' ? value : Number.NaN)

export const pipelineMetrics: Metrics = (figures) => {
  const f = figures as {
    cpu_ms_per_order: number
    orders_per_second: number
    cpu_ms_per_order_by_process: Record<string, number>
  }
  const byProcess = Object.entries(f.cpu_ms_per_order_by_process).sort(([a], [b]) =>
    a.localeCompare(b),
  )
  return {
    'CPU ms/order, end to end': f.cpu_ms_per_order,
    ...Object.fromEntries(byProcess.map(([name, ms]) => [`  ${name} CPU ms/order`, ms])),
    'orders/s end to end': f.orders_per_second,
  }
}

interface IntakeRow {
  path: string
  route: string
  rps: number
  cpu_us_per_request: number
  cpu_us_per_request_by_process: Record<string, number>
}

export const intakeMetrics: Metrics = (figures) => {
  const rows = (figures as { rows: IntakeRow[] }).rows
  const metrics: Record<string, number> = {}
  for (const row of rows) {
    const where = row.path === 'direct' ? 'direct' : 'through the gateway'
    metrics[`${row.route} ${where}: CPU µs/req`] = row.cpu_us_per_request
    if (row.path === 'direct') {
      const service = row.route === 'POST /users' ? 'user-service' : 'order-service'
      metrics[`  ${service} alone CPU µs/req`] = num(row.cpu_us_per_request_by_process[service])
    }
    metrics[`${row.route} ${where}: req/s`] = row.rps
  }
  return metrics
}

interface GatewayRow {
  route: string
  through: string
  rps: number | null
  cpu_us_per_request: number | null
  added_cpu_us_per_request: number | null
}

export const gatewayMetrics: Metrics = (figures) => {
  const rows = (figures as { rows: GatewayRow[] }).rows
  const metrics: Record<string, number> = {}
  for (const row of rows) {
    const route = row.route === 'trivial' ? 'trivial route' : 'GET /users/{id}'
    if (row.through === 'direct') {
      metrics[`${route} direct: CPU µs/req`] = num(row.cpu_us_per_request)
    } else {
      metrics[`${route} ${row.through}: added CPU µs/req`] = num(row.added_cpu_us_per_request)
    }
    metrics[`${route} ${row.through}: req/s`] = num(row.rps)
  }
  return metrics
}

export const memoryMetrics: Metrics = (figures) => {
  const f = figures as {
    total_mb: number
    total_pss_mb: number
    runner_mb: number
    processes: { name: string; rss_mb: number }[]
    after_load?: { total_mb: number; total_pss_mb: number }
  }
  // A process's name ends with the port it was given, which differs from run to run.
  const byProgram: Record<string, number> = {}
  for (const { name, rss_mb } of f.processes) {
    const program = `  ${name.replace(/ :\d+$/, '')} idle RSS MB`
    byProgram[program] = (byProgram[program] ?? 0) + rss_mb
  }
  return {
    'idle RSS MB, total': f.total_mb,
    'idle PSS MB, total': f.total_pss_mb,
    ...byProgram,
    ...(f.after_load && {
      'after load RSS MB, total': f.after_load.total_mb,
      'after load PSS MB, total': f.after_load.total_pss_mb,
    }),
  }
}
