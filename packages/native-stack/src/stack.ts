import type { RunningProcess } from './runner.js'

export interface StackUrls {
  gateway: string
  docs: string
  userService: string
  orderService: string
  board: string
  /** Health of each worker, in worker order. */
  workers: string[]
  /** Each process's metrics listener, whose `/metrics` the public ports never serve. */
  metrics: {
    gateway: string
    userService: string
    orderService: string
    board: string
    /** In worker order. */
    workers: string[]
  }
}

/** The bootstrap admin user-service creates on first start. */
export interface StackAdmin {
  email: string
  /** The 0600 file its generated password is in; undefined when SHOP_ADMIN_PASSWORD gave one. */
  passwordFile: string | undefined
}

export interface Stack {
  urls: StackUrls
  admin: StackAdmin
  databaseUrl: string
  redisUrl: string
  processes: RunningProcess[]
  /** Recent output lines of one process (kept even when not printed). */
  logs(name: string): string[]
  killProcess(name: string, signal?: NodeJS.Signals): void
  /** Gateway, then services, then workers and bull-board, then Redis, then PostgreSQL. */
  stop(): Promise<void>
}
