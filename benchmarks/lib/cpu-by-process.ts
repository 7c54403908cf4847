import { allStats, ticksToSeconds } from './cpu.js'

/**
 * CPU seconds so far of each process tree under this one, grouped by a name: the name given
 * for a child's pid, else its command (`postgres`, `redis-server`, `sh` for wrk). Sampled
 * before and after a measurement, the difference says which part of the system spent what.
 */
export function cpuByProcess(names: Map<number, string>, root = process.pid) {
  const stats = allStats()
  const children = new Map<number, typeof stats>()
  for (const stat of stats) {
    const list = children.get(stat.ppid) ?? []
    list.push(stat)
    children.set(stat.ppid, list)
  }
  const seconds: Record<string, number> = {}
  for (const child of children.get(root) ?? []) {
    // The benchmark's own TypeScript loader: not part of the system under test.
    if (child.comm === 'esbuild') continue
    let ticks = 0
    const pending = [child]
    while (pending.length > 0) {
      const stat = pending.pop() as (typeof stats)[number]
      ticks += stat.ticks + stat.childTicks
      pending.push(...(children.get(stat.pid) ?? []))
    }
    const name = names.get(child.pid) ?? child.comm
    seconds[name] = (seconds[name] ?? 0) + ticksToSeconds(ticks)
  }
  return seconds
}

/** `after - before`, name by name. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>) {
  const spent: Record<string, number> = {}
  for (const [name, value] of Object.entries(after)) spent[name] = value - (before[name] ?? 0)
  return spent
}
