import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

/** USER_HZ: 100 on every mainstream Linux, asked once all the same. */
function ticksToSecondsFactor() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

interface ProcStat {
  pid: number
  ppid: number
  /** utime + stime, in clock ticks. */
  ticks: number
  /** cutime + cstime: CPU of children it has waited for. */
  childTicks: number
  comm: string
}

/** Fields after `(comm)`, which may itself contain spaces and parentheses. */
export function parseStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')')
  if (close < 0) return undefined
  const pid = Number(line.slice(0, line.indexOf(' ')))
  const comm = line.slice(line.indexOf('(') + 1, close)
  const fields = line.slice(close + 2).split(' ')
  // fields[0] is field 3 of proc(5): state; ppid is field 4, utime..cstime are 14..17.
  const at = (field: number) => Number(fields[field - 3])
  return { pid, ppid: at(4), ticks: at(14) + at(15), childTicks: at(16) + at(17), comm }
}

export function allStats(): ProcStat[] {
  const stats: ProcStat[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'))
      if (stat) stats.push(stat)
    } catch {
      // Gone since the listing.
    }
  }
  return stats
}

/**
 * CPU seconds used so far by every descendant of this process: the servers, proxies and
 * databases a benchmark started. Sampled before and after a measurement, the difference is
 * what the system under test spent, however busy the rest of the machine is.
 */
export function descendantsCpuSeconds(root = process.pid): number {
  const stats = allStats()
  const children = new Map<number, ProcStat[]>()
  for (const stat of stats) {
    const list = children.get(stat.ppid) ?? []
    list.push(stat)
    children.set(stat.ppid, list)
  }
  let ticks = 0
  const pending = [...(children.get(root) ?? [])]
  while (pending.length > 0) {
    const stat = pending.pop() as ProcStat
    // A process that exits moves its ticks into its parent's childTicks: the sum holds.
    ticks += stat.ticks + stat.childTicks
    pending.push(...(children.get(stat.pid) ?? []))
  }
  return ticks / ticksToSecondsFactor()
}

export const ticksToSeconds = (ticks: number) => ticks / ticksToSecondsFactor()
