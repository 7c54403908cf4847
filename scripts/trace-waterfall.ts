import type { TraceSpan } from '../tests/system/support/span-tree.js'

const ROW = 22
const TOP = 46
const INDENT = 14
/** About the width of one character at 12 px, for sizing the name column. */
const CHAR_WIDTH = 7
const SERVICE_WIDTH = 120
const BARS_WIDTH = 560
const RIGHT = 70
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2']

const xmlText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A round step (1, 2 or 5 times a power of ten) giving about `ticks` ticks over `total`. */
function tickStep(total: number, ticks = 8) {
  const rough = total / ticks
  const power = 10 ** Math.floor(Math.log10(rough))
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? power * 10
}

const ms = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1))

/** Spans in depth-first order (children by start time), each with its depth. */
function rows(spans: TraceSpan[]) {
  const ids = new Set(spans.map((span) => span.spanId))
  const byStart = (a: TraceSpan, b: TraceSpan) => (a.startMs ?? 0) - (b.startMs ?? 0)
  const ordered: { span: TraceSpan; depth: number }[] = []
  const visit = (span: TraceSpan, depth: number) => {
    ordered.push({ span, depth })
    const children = spans.filter((child) => child.parentSpanId === span.spanId).sort(byStart)
    for (const child of children) visit(child, depth + 1)
  }
  const roots = spans.filter((span) => !ids.has(span.parentSpanId ?? '')).sort(byStart)
  for (const root of roots) visit(root, 0)
  return ordered
}

/**
 * One trace as an SVG waterfall: a row per span, named and indented under its parent, the
 * process that made it, and a bar from its start to its end on the trace's time axis.
 */
export function traceWaterfallSvg(spans: TraceSpan[], title: string): string {
  const timed = spans.filter((span) => span.startMs !== undefined && span.endMs !== undefined)
  const start = Math.min(...timed.map((span) => span.startMs as number))
  const total = Math.max(...timed.map((span) => span.endMs as number)) - start
  const services = [...new Set(timed.map((span) => span.service ?? '?'))]
  const colour = (service = '?') => COLOURS[services.indexOf(service) % COLOURS.length]
  const ordered = rows(timed)
  const height = TOP + ordered.length * ROW + 12
  const nameWidth =
    16 +
    Math.max(...ordered.map(({ span, depth }) => depth * INDENT + span.name.length * CHAR_WIDTH))
  const barsLeft = nameWidth + SERVICE_WIDTH
  const width = barsLeft + BARS_WIDTH + RIGHT
  const x = (at: number) => barsLeft + ((at - start) / total) * BARS_WIDTH

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xmlText(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
    `<text x="8" y="38" fill="#555">span</text>`,
    `<text x="${nameWidth}" y="38" fill="#555">process</text>`,
  ]
  const step = tickStep(total)
  for (let at = 0; at <= total; at += step) {
    const tx = x(start + at)
    out.push(
      `<line x1="${tx}" y1="${TOP - 4}" x2="${tx}" y2="${height - 8}" stroke="#e5e5e5"/>`,
      `<text x="${tx}" y="38" fill="#555" text-anchor="middle">${ms(at)} ms</text>`,
    )
  }
  for (const [i, { span, depth }] of ordered.entries()) {
    const y = TOP + i * ROW
    const left = x(span.startMs as number)
    const duration = (span.endMs as number) - (span.startMs as number)
    const barWidth = Math.max(1, (duration / total) * BARS_WIDTH)
    if (i % 2 === 0)
      out.push(`<rect x="0" y="${y}" width="${width}" height="${ROW}" fill="#f7f7f7"/>`)
    out.push(
      `<text x="${8 + depth * INDENT}" y="${y + 15}">${xmlText(span.name)}</text>`,
      `<text x="${nameWidth}" y="${y + 15}" fill="${colour(span.service)}">${xmlText(span.service ?? '?')}</text>`,
      `<rect x="${left.toFixed(1)}" y="${y + 5}" width="${barWidth.toFixed(1)}" height="${ROW - 10}" rx="2" fill="${colour(span.service)}"/>`,
      `<text x="${(left + barWidth + 4).toFixed(1)}" y="${y + 15}" fill="#333">${ms(duration)} ms</text>`,
    )
  }
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
