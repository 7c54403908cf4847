import type pg from 'pg'
import { Gauge } from 'prom-client'

/**
 * `db_pool_clients{state}` and `db_pool_max_clients` for one pool, read at scrape time. Made
 * with the app (after the metrics plugin has cleared the registry), one pool per process.
 */
export function registerPoolMetrics(pool: pg.Pool) {
  new Gauge({
    name: 'db_pool_clients',
    help: 'PostgreSQL pool clients: total open, idle, and callers waiting for one',
    labelNames: ['state'] as const,
    collect() {
      this.set({ state: 'total' }, pool.totalCount)
      this.set({ state: 'idle' }, pool.idleCount)
      this.set({ state: 'waiting' }, pool.waitingCount)
    },
  })
  new Gauge({
    name: 'db_pool_max_clients',
    help: 'Most clients the PostgreSQL pool opens',
  }).set(pool.options.max ?? 10) // pg's own default when none is given
}
