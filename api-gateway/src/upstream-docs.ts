import type { ReplicaBalancer } from '@shop/platform'
import type { FastifyBaseLogger } from 'fastify'
import type { OpenApiDocument, UpstreamDocument } from './openapi-merge.js'

export interface DocsSource {
  replicas: ReplicaBalancer
  prefixes: readonly string[]
}

export interface UpstreamDocsOptions {
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>
  /** How often a document already fetched is fetched again, to pick up a changed service. */
  refreshMs?: number
  /** First retry delay while a service has not answered yet; doubles up to `retryMaxMs`. */
  retryMinMs?: number
  retryMaxMs?: number
  timeoutMs?: number
}

function isOpenApi(value: unknown): value is OpenApiDocument {
  if (value === null || typeof value !== 'object') return false
  const { paths } = value as { paths?: unknown }
  return paths !== null && typeof paths === 'object'
}

/**
 * Keeps each upstream's `/docs/json` in memory: fetched in the background with backoff
 * until the service answers, then refreshed periodically. Whatever is known is served;
 * a failed refresh keeps the last good document.
 */
export class UpstreamDocs {
  #version = 0
  readonly #documents = new Map<string, UpstreamDocument>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #abort = new AbortController()
  readonly #sources: readonly DocsSource[]
  readonly #options: Required<UpstreamDocsOptions>

  constructor(sources: readonly DocsSource[], options: UpstreamDocsOptions) {
    this.#sources = sources
    this.#options = {
      refreshMs: 60_000,
      retryMinMs: 250,
      retryMaxMs: 5_000,
      timeoutMs: 5_000,
      ...options,
    }
  }

  /** Changes whenever a document arrives or changes, so a merge can be cached until then. */
  get version() {
    return this.#version
  }

  get documents(): UpstreamDocument[] {
    return this.#sources.flatMap(({ replicas }) => this.#documents.get(replicas.name) ?? [])
  }

  start() {
    for (const source of this.#sources) void this.#poll(source, this.#options.retryMinMs)
  }

  close() {
    this.#abort.abort()
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  async #poll(source: DocsSource, retryMs: number) {
    const { refreshMs, retryMaxMs, log } = this.#options
    let delay = refreshMs
    let nextRetryMs = this.#options.retryMinMs
    try {
      this.#store(source, await this.#fetch(source))
    } catch (error) {
      if (this.#abort.signal.aborted) return
      const known = this.#documents.has(source.replicas.name)
      log[known ? 'warn' : 'info'](
        { upstream: source.replicas.name, reason: (error as Error).message, retry_ms: retryMs },
        known
          ? 'could not refresh upstream OpenAPI document'
          : 'upstream OpenAPI document not yet available',
      )
      delay = retryMs
      nextRetryMs = Math.min(retryMs * 2, retryMaxMs)
    }
    if (this.#abort.signal.aborted) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void this.#poll(source, nextRetryMs)
    }, delay).unref()
    this.#timers.add(timer)
  }

  async #fetch({ replicas }: DocsSource): Promise<OpenApiDocument> {
    const target = replicas.pick()
    if (target === undefined) throw new Error('no replica known')
    const signal = AbortSignal.any([
      this.#abort.signal,
      AbortSignal.timeout(this.#options.timeoutMs),
    ])
    const response = await fetch(`${target}/docs/json`, { signal })
    if (!response.ok) throw new Error(`${target}/docs/json answered ${response.status}`)
    const document: unknown = await response.json()
    if (!isOpenApi(document)) throw new Error(`${target}/docs/json is not an OpenAPI document`)
    return document
  }

  #store({ replicas, prefixes }: DocsSource, document: OpenApiDocument) {
    const previous = this.#documents.get(replicas.name)
    if (previous && JSON.stringify(previous.document) === JSON.stringify(document)) return
    this.#documents.set(replicas.name, { name: replicas.name, prefixes, document })
    this.#version++
    this.#options.log.info({ upstream: replicas.name }, 'upstream OpenAPI document updated')
  }
}
