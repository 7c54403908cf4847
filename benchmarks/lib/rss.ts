import { readFileSync, readlinkSync } from 'node:fs'
import { basename } from 'node:path'
import type { Stack } from '../../scripts/stack/index.js'
import { allStats } from './cpu.js'

export interface ProcessRss {
  pid: number
  /** The program: `stack`, or `<service>/<entry point>` with its port. */
  name: string
  rssMb: number
  /**
   * Proportional set size: pages shared with other processes (the node binary's code, above
   * all) counted once across them, so the sum over a stack is the memory it really takes.
   */
  pssMb: number
}

function readProc(pid: number, file: string) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return ''
  }
}

/** VmRSS from /proc/<pid>/status, in MB (10^6 bytes, as `ps` and the issue count them). */
export function rssMb(pid: number) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(pid, 'status'))
  return match ? (Number(match[1]) * 1024) / 1e6 : Number.NaN
}

/** Pss from /proc/<pid>/smaps_rollup, in MB. */
export function pssMb(pid: number) {
  const match = /^Pss:\s+(\d+) kB$/m.exec(readProc(pid, 'smaps_rollup'))
  return match ? (Number(match[1]) * 1024) / 1e6 : Number.NaN
}

/**
 * Whether the process runs a `node` binary. Its comm does not say: from Node 24 on, the main
 * thread, whose name comm shows, is called `MainThread`.
 */
function isNode(pid: number) {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`)) === 'node'
  } catch {
    return false
  }
}

/** A readable name for a Node process from its command line and the port it was given. */
function nameOf(pid: number) {
  const args = readProc(pid, 'cmdline').split('\0').filter(Boolean)
  const program = args.find((arg) => /(stack|server|worker|board)\.(js|ts)$/.test(arg)) ?? args[0]
  const short = (program ?? '?')
    .replace(/^.*\/(scripts\/)/, '$1')
    .replace(/^.*\/([^/]+\/(dist|src)\/)/, '$1')
  const env = readProc(pid, 'environ').split('\0')
  const port = ['PORT', 'WORKER_PORT', 'BULL_BOARD_PORT']
    .map((name) => env.find((entry) => entry.startsWith(`${name}=`))?.split('=')[1])
    .find(Boolean)
  return port && !short.startsWith('scripts/') ? `${short} :${port}` : short
}

/** Every Node process in the tree under `rootPid` (itself included), with its RSS now. */
export function nodeTreeRss(rootPid: number): ProcessRss[] {
  const stats = allStats()
  const children = new Map<number, number[]>()
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid])
  const found: ProcessRss[] = []
  const pending = [rootPid]
  while (pending.length > 0) {
    const pid = pending.shift() as number
    if (isNode(pid)) found.push({ pid, name: nameOf(pid), rssMb: rssMb(pid), pssMb: pssMb(pid) })
    pending.push(...(children.get(pid) ?? []))
  }
  return found
}

/** RSS of every Node process a stack started in this process runs (not this process). */
export function stackRss(stack: Pick<Stack, 'processes'>): ProcessRss[] {
  return stack.processes.flatMap((process) =>
    process.pid === undefined ? [] : nodeTreeRss(process.pid),
  )
}
