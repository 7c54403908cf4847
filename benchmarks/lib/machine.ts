import { cpus, loadavg } from 'node:os'

/** The facts a reader needs to weigh the numbers: when, where, and how busy the machine was. */
export function machineLine() {
  const cores = cpus()
  const model = cores[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
  return `${new Date().toISOString()} · ${cores.length} cores (${model}) · load average ${load} · Node ${process.version}`
}

/** The command that reproduces a run, options included. */
export function commandLine(benchmark: string, argv: string[]) {
  return ['pnpm bench', benchmark, ...argv].join(' ')
}
