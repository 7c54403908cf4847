/** Finding one's way in a trace's spans, whatever exported them (in memory or over OTLP). */
export interface TraceSpan {
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  name: string
  /** OpenTelemetry's SpanKind numbers: SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4. */
  kind: number
  attributes: Record<string, unknown>
  /** The `service.name` of the process that made it, where the exporter tells. */
  service?: string
  /** When it started and ended, in milliseconds since the epoch, where the exporter tells. */
  startMs?: number
  endMs?: number
}

export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const

export class SpanTree {
  readonly #byId: Map<string, TraceSpan>

  constructor(readonly spans: TraceSpan[]) {
    this.#byId = new Map(spans.map((span) => [span.spanId, span]))
  }

  /** `span`'s parent, its parent's parent, and so on, as far as they are here. */
  ancestors(span: TraceSpan): TraceSpan[] {
    const found: TraceSpan[] = []
    for (
      let at = this.#byId.get(span.parentSpanId ?? '');
      at;
      at = this.#byId.get(at.parentSpanId ?? '')
    ) {
      found.push(at)
    }
    return found
  }

  isAncestor(ancestor: TraceSpan, span: TraceSpan): boolean {
    return this.ancestors(span).includes(ancestor)
  }

  /** The one span under `ancestor` (at any depth) that `matches`; throws naming `what`. */
  under(ancestor: TraceSpan, what: string, matches: (span: TraceSpan) => boolean): TraceSpan {
    const found = this.spans.filter((span) => matches(span) && this.isAncestor(ancestor, span))
    if (found.length !== 1) {
      throw new Error(`${found.length} spans for ${what} under "${ancestor.name}":\n${this.show()}`)
    }
    return found[0] as TraceSpan
  }

  /** The spans as an indented tree, for a failure message. */
  show(): string {
    const lines: string[] = []
    const walk = (parent: string | undefined, depth: number) => {
      for (const span of this.spans.filter((s) => s.parentSpanId === parent)) {
        lines.push(`${'  '.repeat(depth)}${span.name} [kind ${span.kind}]`)
        walk(span.spanId, depth + 1)
      }
    }
    const roots = this.spans.filter(
      (s) => s.parentSpanId === undefined || !this.#byId.has(s.parentSpanId),
    )
    for (const root of roots) {
      lines.push(`${root.name} [kind ${root.kind}]${root.parentSpanId ? ' (parent not here)' : ''}`)
      walk(root.spanId, 1)
    }
    return lines.join('\n')
  }
}
