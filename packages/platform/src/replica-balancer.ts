import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'

/** Every address a host name has: one per replica under `docker compose --scale`. */
export type Lookup = (hostname: string) => Promise<string[]>

export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((entry) => entry.address)

export interface ReplicaBalancerOptions {
  /** Names the upstream in logs and problems, e.g. `user-service`. */
  name: string
  /** Base URLs; a host name among them stands for every address it resolves to. */
  urls: readonly string[]
  refreshMs: number
  lookup?: Lookup
  /** How long a replica that refused a connection is passed over. */
  downMs?: number
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>
}

interface Endpoint {
  protocol: string
  /** Without IPv6 brackets. */
  hostname: string
  port: string
  addresses: string[]
}

function endpointOf(url: string): Endpoint {
  const { protocol, hostname, port } = new URL(url)
  const bare = hostname.replace(/^\[(.*)\]$/, '$1')
  return { protocol, hostname: bare, port, addresses: isIP(bare) ? [bare] : [] }
}

function originOf({ protocol, port }: Endpoint, address: string) {
  const host = isIP(address) === 6 ? `[${address}]` : address
  return `${protocol}//${host}${port ? `:${port}` : ''}`
}

/**
 * The replicas of one upstream as IP origins, taken in turn (round-robin), a replica that
 * refused a connection passed over for a while. Names are re-resolved on a timer, never per
 * request, and callers connect to addresses rather than names so that each replica gets its
 * own keep-alive connections instead of all of them pinned to whichever address the name
 * happened to resolve to first. Used by the gateway's proxy and order-service's user check.
 */
export class ReplicaBalancer {
  readonly name: string
  readonly #options: ReplicaBalancerOptions
  readonly #lookup: Lookup
  readonly #endpoints: Endpoint[]
  readonly #downUntil = new Map<string, number>()
  #targets: string[] = []
  #next = 0
  #timer: NodeJS.Timeout | undefined
  #refreshing = false

  constructor(options: ReplicaBalancerOptions) {
    this.name = options.name
    this.#options = options
    this.#lookup = options.lookup ?? systemLookup
    this.#endpoints = options.urls.map(endpointOf)
    this.#update()
  }

  /** Origins currently known, e.g. `http://10.0.0.5:8001`. */
  get targets(): readonly string[] {
    return this.#targets
  }

  /** Resolves every name now, then every `refreshMs` until `close()`. */
  async start() {
    await this.refresh()
    this.#timer ??= setInterval(() => void this.refresh(), this.#options.refreshMs).unref()
  }

  close() {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  async refresh() {
    if (this.#refreshing) return
    this.#refreshing = true
    try {
      await Promise.all(this.#endpoints.map((endpoint) => this.#resolve(endpoint)))
      this.#update()
    } finally {
      this.#refreshing = false
    }
  }

  /** The next replica not passed over, skipping `exclude`; a down one when nothing else is left. */
  pick(exclude?: ReadonlySet<string>): string | undefined {
    const targets = this.#targets
    const count = targets.length
    const now = Date.now()
    let fallback: string | undefined
    let fallbackUntil = Number.POSITIVE_INFINITY
    for (let step = 0; step < count; step++) {
      const index = (this.#next + step) % count
      const target = targets[index] as string
      if (exclude?.has(target)) continue
      const downUntil = this.#downUntil.size === 0 ? undefined : this.#downUntil.get(target)
      if (downUntil === undefined || downUntil <= now) {
        this.#next = (index + 1) % count
        return target
      }
      if (downUntil < fallbackUntil) {
        fallback = target
        fallbackUntil = downUntil
      }
    }
    return fallback
  }

  /** Passes `target` over for a while: it refused or dropped a connection. */
  markDown(target: string) {
    const downMs = this.#options.downMs ?? 3_000
    this.#downUntil.set(target, Date.now() + downMs)
    this.#options.log.warn({ upstream: this.name, target, down_ms: downMs }, 'replica marked down')
  }

  async #resolve(endpoint: Endpoint) {
    if (isIP(endpoint.hostname)) return
    try {
      const addresses = [...new Set(await this.#lookup(endpoint.hostname))].sort()
      if (addresses.length === 0) throw new Error('no address')
      endpoint.addresses = addresses
    } catch (error) {
      // Keep the last known addresses: a DNS hiccup must not take every replica away.
      this.#options.log.warn(
        { upstream: this.name, host: endpoint.hostname, err: error },
        'could not resolve upstream host; keeping the addresses known so far',
      )
    }
  }

  #update() {
    const targets = [
      ...new Set(this.#endpoints.flatMap((e) => e.addresses.map((a) => originOf(e, a)))),
    ]
    if (targets.join() === this.#targets.join()) return
    this.#targets = targets
    for (const target of this.#downUntil.keys()) {
      if (!targets.includes(target)) this.#downUntil.delete(target)
    }
    this.#options.log.info({ upstream: this.name, replicas: targets }, 'upstream replicas')
  }
}
