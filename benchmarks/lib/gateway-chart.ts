/** The gateway benchmark's figures as an SVG bar chart: what each proxy adds, side by side. */

export interface ChartRow {
  route: string
  through: string
  rps_vs_direct: number | null
  added_cpu_us_per_request: number | null
}

const PATHS = [
  { through: 'api-gateway', label: 'api-gateway (info)', colour: '#2563eb' },
  { through: 'api-gateway, LOG_LEVEL=warn', label: 'api-gateway (warn)', colour: '#60a5fa' },
  { through: 'stock proxy', label: 'stock @fastify/http-proxy', colour: '#f97316' },
  { through: 'nginx', label: 'nginx', colour: '#16a34a' },
]
const ROUTES = [
  { route: 'trivial', label: 'GET /users/1, trivial upstream' },
  { route: 'real', label: 'GET /users/{id}, user-service + PostgreSQL' },
]
const PANELS = [
  {
    key: 'added_cpu_us_per_request',
    title: 'CPU added per proxied request (µs, lower is better)',
    format: (v: number) => `${Math.round(v)} µs`,
  },
  {
    key: 'rps_vs_direct',
    title: 'req/s through the proxy ÷ direct (higher is better)',
    format: (v: number) => `${v.toFixed(2)}×`,
  },
] as const

const xmlText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function gatewayChartSvg(rows: ChartRow[], caption: string) {
  const barHeight = 18
  const gap = 4
  const labelWidth = 190
  const panelWidth = 340
  const groupHeight = PATHS.length * (barHeight + gap) + 30
  const top = 56
  const height = top + ROUTES.length * groupHeight + 40
  const width = labelWidth + PANELS.length * (panelWidth + 40) + 20
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${xmlText('CPU added per proxied request and req/s against direct, for the api-gateway, the stock proxy and nginx')}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${xmlText('pnpm bench gateway: what each proxy costs')}</text>`,
    `<text x="12" y="${height - 12}" fill="#555">${xmlText(caption)}</text>`,
  ]
  PANELS.forEach((panel, p) => {
    const x0 = labelWidth + p * (panelWidth + 40)
    const values = rows.map((row) => row[panel.key]).filter((v): v is number => v !== null && v > 0)
    const max = Math.max(...values, 1e-9)
    parts.push(`<text x="${x0}" y="44" font-weight="600">${xmlText(panel.title)}</text>`)
    ROUTES.forEach((route, r) => {
      const y0 = top + r * groupHeight
      if (p === 0) {
        parts.push(`<text x="12" y="${y0 + 12}" font-weight="600">${xmlText(route.label)}</text>`)
      }
      PATHS.forEach((path, i) => {
        const y = y0 + 20 + i * (barHeight + gap)
        const row = rows.find((row) => row.route === route.route && row.through === path.through)
        const value = row?.[panel.key] ?? null
        if (p === 0) {
          parts.push(`<text x="24" y="${y + 13}">${xmlText(path.label)}</text>`)
        }
        if (value === null) {
          parts.push(`<text x="${x0 + 4}" y="${y + 13}" fill="#888">not measured</text>`)
          return
        }
        const barWidth = Math.max(1, (Math.max(value, 0) / max) * (panelWidth - 70))
        parts.push(
          `<rect x="${x0}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight}" fill="${path.colour}"/>`,
          `<text x="${(x0 + barWidth + 4).toFixed(1)}" y="${y + 13}">${xmlText(panel.format(value))}</text>`,
        )
      })
    })
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
