import { Gauge, type Registry } from '@prometheus-io/client'
import type pg from 'pg'

/**
 * `db_pool_clients{state}` and `db_pool_max_clients` for one pool, read at scrape time, in
 * its app's registry.
 */
export function registerPoolMetrics(pool: pg.Pool, registry: Registry) {
  const registers = [registry]
  new Gauge({
    name: 'db_pool_clients',
    help: 'PostgreSQL pool clients: total open, idle, and callers waiting for one',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.set({ state: 'total' }, pool.totalCount)
      this.set({ state: 'idle' }, pool.idleCount)
      this.set({ state: 'waiting' }, pool.waitingCount)
    },
  })
  new Gauge({
    name: 'db_pool_max_clients',
    help: 'Most clients the PostgreSQL pool opens',
    registers,
  }).set(pool.options.max ?? 10) // pg's own default when none is given
}
