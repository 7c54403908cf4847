import { parseNumberOptions, UsageError } from './options.js'

const DEFAULT_ROUNDS = 5

/** `--NAME VALUE` taken out of `rest`, wherever it is. */
function takeOption(rest: string[], name: string, usage: string) {
  const at = rest.indexOf(`--${name}`)
  if (at === -1) return undefined
  const value = rest[at + 1]
  if (!value || value.startsWith('--')) throw new UsageError(`--${name} needs a value; ${usage}`)
  rest.splice(at, 2)
  return value
}

/**
 * `pnpm bench`'s arguments: `--json FILE` and `--baseline REF` from anywhere, with `--rounds N`
 * the comparison's when there is a baseline (5 by default); the first word names the
 * benchmark (none: every one, or every one `comparable` with a baseline) and the rest go to it.
 */
export function parseBenchArguments(
  argv: string[],
  benchmarks: { names: string[]; comparable: string[] },
  usage: string,
) {
  const rest = [...argv]
  const json = takeOption(rest, 'json', usage)
  const ref = takeOption(rest, 'baseline', usage)
  const rawRounds = ref === undefined ? undefined : takeOption(rest, 'rounds', usage)
  const baseline =
    ref === undefined
      ? undefined
      : {
          ref,
          rounds: parseNumberOptions(rawRounds ? ['--rounds', rawRounds] : [], usage, {
            rounds: { default: DEFAULT_ROUNDS, min: 1, max: 50 },
          }).rounds,
        }
  const eligible = baseline ? benchmarks.comparable : benchmarks.names
  const [first = ''] = rest
  if (first === '' || first.startsWith('-')) {
    if (first !== '') throw new UsageError(`options need a benchmark name; ${usage}`)
    return { names: eligible, options: [], json, baseline }
  }
  if (!benchmarks.names.includes(first)) {
    throw new UsageError(`no benchmark named ${first}; ${usage}`)
  }
  if (!eligible.includes(first)) {
    throw new UsageError(`${first} cannot be compared with a baseline; ${usage}`)
  }
  return { names: [first], options: rest.slice(1), json, baseline }
}
