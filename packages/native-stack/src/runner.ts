import { type ChildProcess, spawn } from 'node:child_process'
import type { Writable } from 'node:stream'
import type { ProcessSpec } from './processes.js'

export interface RunningProcess {
  readonly name: string
  readonly pid: number | undefined
  readonly running: boolean
  /** Exit code or signal name of its last exit. */
  readonly exit: number | string | undefined
  /** How often it was started again after a crash. */
  readonly restarts: number
}

const KEPT_LINES = 20_000
const STOP_GRACE_MS = 15_000
const FIRST_RESTART_DELAY_MS = 1_000
const MAX_RESTART_DELAY_MS = 30_000
/** A process that ran this long before crashing starts again from the first delay. */
const HEALTHY_RUN_MS = 60_000
const COLOURS = [36, 35, 33, 32, 34]

/** The delay before restart number `attempt` (1, 2, …): 1 s, doubling, at most 30 s. */
export function restartDelayMs(attempt: number) {
  return Math.min(FIRST_RESTART_DELAY_MS * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS)
}

/** Signals the process group the process leads: it takes what the process started too. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals) {
  // 0 or less would name the stack's own process group.
  if (pid === undefined || !(pid > 0)) return
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

class Supervised implements RunningProcess {
  child: ChildProcess | undefined
  exit: number | string | undefined
  restarts = 0
  /** Crashes in a row, each met with a longer delay. */
  crashes = 0
  startedAt = 0
  restartTimer: NodeJS.Timeout | undefined
  stopping = false
  readonly lines: string[] = []
  exited: Promise<void> = Promise.resolve()

  constructor(readonly spec: ProcessSpec) {}

  get name() {
    return this.spec.name
  }
  get pid() {
    return this.child?.pid
  }
  get running() {
    return this.child !== undefined
  }
}

/**
 * Runs every process with its output prefixed by its name (coloured only for a person at a
 * terminal), each leading a process group of its own so that a terminal's Ctrl-C reaches only
 * the stack, which stops them in order. Each gets an IPC channel: when the stack dies, the
 * channel closes and the process stops itself (packages/platform's `listen`).
 */
export function runProcesses(
  specs: ProcessSpec[],
  output: Writable | null,
  /** Told the process groups running now, on every start and exit. */
  onGroupsChanged: (pids: number[]) => void = () => {},
) {
  const width = Math.max(...specs.map((spec) => spec.name.length))
  const tty = output !== null && (output as NodeJS.WriteStream).isTTY === true
  const prefixes = new Map(
    specs.map((spec, i) => {
      const padded = spec.name.padEnd(width)
      return [spec.name, tty ? `\x1b[${COLOURS[i % COLOURS.length]}m${padded}\x1b[0m` : padded]
    }),
  )
  const supervised = specs.map((spec) => new Supervised(spec))
  const byName = new Map(supervised.map((one) => [one.name, one]))
  let restartsArmed = false
  const groupsChanged = () =>
    onGroupsChanged(supervised.flatMap((one) => (one.pid === undefined ? [] : [one.pid])))

  const print = (one: Supervised, line: string) => {
    one.lines.push(line)
    if (one.lines.length > KEPT_LINES) one.lines.splice(0, one.lines.length - KEPT_LINES)
    output?.write(`${prefixes.get(one.name)} ${line}\n`)
  }

  function follow(one: Supervised, stream: NodeJS.ReadableStream | null) {
    let partial = ''
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) print(one, line)
    })
    stream?.on('end', () => {
      if (partial !== '') print(one, partial)
    })
  }

  function start(one: Supervised) {
    const child = spawn(process.execPath, one.spec.args, {
      cwd: one.spec.cwd,
      env: { ...process.env, ...one.spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    one.child = child
    one.startedAt = Date.now()
    groupsChanged()
    follow(one, child.stdout)
    follow(one, child.stderr)
    child.on('error', (error) => print(one, `could not start: ${error.message}`))
    one.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        one.child = undefined
        one.exit = code ?? signal ?? 'unknown'
        groupsChanged()
        // Whatever it left behind in its group goes too.
        signalGroup(child.pid, 'SIGKILL')
        onExit(one, code)
        resolve()
      })
    })
  }

  function onExit(one: Supervised, code: number | null) {
    const crashed = code !== 0
    if (!crashed || one.stopping || !restartsArmed) {
      print(one, `exited (${one.exit})`)
      return
    }
    one.crashes = Date.now() - one.startedAt >= HEALTHY_RUN_MS ? 1 : one.crashes + 1
    const delay = restartDelayMs(one.crashes)
    print(one, `exited (${one.exit}): restarting in ${delay / 1000} s`)
    one.restartTimer = setTimeout(() => {
      one.restartTimer = undefined
      if (one.stopping) return
      one.restarts++
      start(one)
      print(one, `restarted (pid ${one.pid}, restart ${one.restarts})`)
    }, delay)
  }

  async function stopOne(one: Supervised) {
    one.stopping = true
    clearTimeout(one.restartTimer)
    const child = one.child
    if (!child) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS)
    await one.exited
    clearTimeout(timer)
  }

  for (const one of supervised) start(one)

  const find = (name: string) => {
    const one = byName.get(name)
    if (!one) throw new Error(`no process named ${name}`)
    return one
  }

  return {
    processes: supervised as RunningProcess[],
    logs: (name: string) => [...(byName.get(name)?.lines ?? [])],
    /** From now on a crashed process is started again (not while the stack is starting). */
    armRestarts() {
      restartsArmed = true
    },
    killProcess(name: string, signal: NodeJS.Signals = 'SIGTERM') {
      const { child } = find(name)
      if (!child) return
      if (signal === 'SIGKILL') signalGroup(child.pid, signal)
      else child.kill(signal)
    },
    /** Stops the processes group by group in `stopOrder`, each given time to finish. */
    async stopAll() {
      const order = [...new Set(specs.map((spec) => spec.stopOrder))].sort((a, b) => a - b)
      for (const group of order) {
        await Promise.all(
          supervised.filter((one) => one.spec.stopOrder === group).map((one) => stopOne(one)),
        )
      }
    },
  }
}

export type Processes = ReturnType<typeof runProcesses>
