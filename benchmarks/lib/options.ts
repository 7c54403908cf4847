import { parseArgs } from 'node:util'

export class UsageError extends Error {
  override name = 'UsageError'
}

interface Bounds {
  default: number
  min: number
  max: number
}

type ListBounds = Omit<Bounds, 'default'> & { default: number[] }

/**
 * `--name value` options holding whole numbers, or comma-separated lists of them for the
 * names in `lists`; each checked against its bounds.
 */
export function parseNumberOptions<Name extends string, ListName extends string = never>(
  argv: string[],
  usage: string,
  numbers: Record<Name, Bounds>,
  lists: Record<ListName, ListBounds> = {} as never,
) {
  const names = [...Object.keys(numbers), ...Object.keys(lists)]
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; ${usage}`)
  }
  const check = (name: string, raw: string, { min, max }: Omit<Bounds, 'default'>) => {
    const value = Number(raw)
    if (raw === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(
        `--${name} ${raw} must be a whole number from ${min} to ${max}; ${usage}`,
      )
    }
    return value
  }
  const single = {} as Record<Name, number>
  for (const name of Object.keys(numbers) as Name[]) {
    const raw = values[name]
    single[name] = typeof raw === 'string' ? check(name, raw, numbers[name]) : numbers[name].default
  }
  const many = {} as Record<ListName, number[]>
  for (const name of Object.keys(lists) as ListName[]) {
    const raw = values[name]
    many[name] =
      typeof raw === 'string'
        ? raw.split(',').map((part) => check(name, part.trim(), lists[name]))
        : lists[name].default
  }
  return { ...single, ...many }
}
