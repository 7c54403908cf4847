import { spawn } from 'node:child_process'
import type { Writable } from 'node:stream'
import {
  type Command,
  createConcurrently,
  type FlowController,
  LogError,
  Logger,
  LogOutput,
} from 'concurrently'
import type { ProcessSpec } from './processes.js'

export interface RunningProcess {
  readonly name: string
  readonly pid: number | undefined
  readonly running: boolean
  /** Exit code or signal name once it has exited. */
  readonly exit: number | string | undefined
}

const KEPT_LINES = 20_000
const STOP_GRACE_MS = 15_000

/** Says how each process ended without repeating its whole command line. */
const logExit = (logger: Logger): FlowController => ({
  handle(commands) {
    for (const command of commands) {
      command.close.subscribe(({ exitCode }) =>
        logger.logCommandEvent(`exited (${exitCode})`, command),
      )
    }
    return { commands }
  },
})

/** Keeps each process's recent output lines so tests can read them. */
function recordLines(command: Command, lines: string[]) {
  let partial = ''
  const take = (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES)
  }
  command.stdout.subscribe(take)
  command.stderr.subscribe(take)
}

/**
 * Each process leads a process group of its own: a terminal's Ctrl-C then reaches only the
 * stack, which stops them in order, and SIGKILL takes a process with its children (the
 * program `tsx watch` restarts). Other signals go to the leader alone, which passes them on.
 */
function signalGroup(pid: number, signal = 'SIGTERM') {
  // 0 or less would name the stack's own process group.
  if (!(pid > 0)) return
  try {
    process.kill(signal === 'SIGKILL' ? -pid : pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

function isTty(stream: Writable | null) {
  return stream !== null && (stream as NodeJS.WriteStream).isTTY === true
}

/**
 * Runs every process through concurrently: one output stream, each line prefixed with the
 * process's name, colours only when a person watches a terminal.
 */
export function runProcesses(specs: ProcessSpec[], output: Writable | null) {
  const logger = new Logger({ prefixFormat: '{name}' })
  logger.toggleColors(isTty(output))
  logger.setPrefixLength(Math.max(...specs.map((spec) => spec.name.length)))
  const { commands } = createConcurrently(
    specs.map(({ name, command, cwd, env }) => ({ name, command, cwd, env })),
    {
      logger,
      ...(output ? { outputStream: output } : {}),
      spawn: (command, options) =>
        spawn('/bin/sh', ['-c', command], { ...options, detached: true }),
      kill: signalGroup,
      controllers: [new LogError({ logger }), new LogOutput({ logger }), logExit(logger)],
      prefixColors: isTty(output) ? ['cyan', 'magenta', 'yellow', 'green', 'blue'] : false,
    },
  )
  const byName = new Map(commands.map((command) => [command.name, command]))
  const lines = new Map(specs.map((spec) => [spec.name, [] as string[]]))
  const exits = new Map<string, number | string>()
  for (const command of commands) {
    recordLines(command, lines.get(command.name) ?? [])
    command.close.subscribe(({ exitCode }) => exits.set(command.name, exitCode))
  }

  const find = (name: string) => {
    const command = byName.get(name)
    if (!command) throw new Error(`no process named ${name}`)
    return command
  }
  const isRunning = (command: Command) => command.state === 'started'

  async function stopOne(command: Command) {
    if (!isRunning(command)) return
    const { pid } = command
    const exited = new Promise<void>((resolve) => {
      const subscription = command.close.subscribe(() => {
        subscription.unsubscribe()
        resolve()
      })
    })
    command.kill('SIGTERM')
    const timer = setTimeout(() => command.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
    // Whatever the leader left behind in its group goes too.
    if (pid !== undefined) signalGroup(pid, 'SIGKILL')
  }

  return {
    processes: commands.map(
      (command): RunningProcess => ({
        name: command.name,
        get pid() {
          return command.pid
        },
        get running() {
          return isRunning(command)
        },
        get exit() {
          return exits.get(command.name)
        },
      }),
    ),
    logs: (name: string) => [...(lines.get(name) ?? [])],
    killProcess(name: string, signal: NodeJS.Signals = 'SIGTERM') {
      find(name).kill(signal)
    },
    /** Stops the processes group by group in `stopOrder`, each given time to finish. */
    async stopAll() {
      const order = [...new Set(specs.map((spec) => spec.stopOrder))].sort((a, b) => a - b)
      for (const group of order) {
        const names = specs.filter((spec) => spec.stopOrder === group).map((spec) => spec.name)
        await Promise.all(names.map((name) => stopOne(find(name))))
      }
    },
  }
}

export type Processes = ReturnType<typeof runProcesses>
