import { z } from 'zod'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * A variable whose empty value means something of its own (`AUTH_AUDIENCE=`: no audience)
 * rather than "unset": its schema says so with `.meta({ emptyIsAValue: true })`.
 */
function emptyIsAValue(schema: z.ZodType, name: string) {
  const field = (schema as { shape?: Record<string, z.ZodType> }).shape?.[name]
  return field?.meta()?.emptyIsAValue === true
}

/**
 * Parses `env` once at start. Empty strings count as unset, so a `.env` line such as
 * `REDIS_URL=` falls back to the default instead of failing URL validation.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.output<Schema> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value !== '' || emptyIsAValue(schema, name)),
  )
  const result = schema.safeParse(present)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const [name, ...inner] = issue.path
    const variable = typeof name === 'string' ? name : '(environment)'
    const value = typeof name === 'string' ? env[name] : undefined
    if (value === undefined) return `${variable} is required (${issue.message})`
    // A list variable's issue points into the parsed list: say which item, counting from 1.
    const item = typeof inner[0] === 'number' ? ` (item ${inner[0] + 1})` : ''
    return `${variable}=${shown(variable, value)}${item}: ${issue.message}`
  })
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
}

/** Variables whose whole value is a secret: never printed back. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|_KEY(S)?$/i
/** `user:password@` in a URL, well formed or not. */
const USER_INFO = /[^\s/@,]*:[^\s/@,]*@/g

/** A bad value as the error shows it: its credentials masked, so logs never hold them. */
function shown(variable: string, value: string) {
  if (SECRET_NAME.test(variable)) return '(hidden)'
  return JSON.stringify(value.replace(USER_INFO, '***@'))
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Building blocks shared by every service's config schema. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  host: () => z.string().min(1).default('127.0.0.1'),
  logLevel: () => z.enum(LOG_LEVELS).default('info'),
  postgresUrl: () =>
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }),
  redisUrl: () => z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
  httpUrl: () => z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  milliseconds: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().min(1).default(fallback),
  count: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  ratio: (fallback: number) => z.coerce.number().min(0).max(1).default(fallback),
  flag: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
      .transform((value) => ['true', '1', 'yes', 'on'].includes(value))
      .default(fallback),
}

export const BaseConfig = z.object({
  HOST: env.host(),
  LOG_LEVEL: env.logLevel(),
})

/**
 * The metrics listener's variables, with the process's own default port: `METRICS_PORT`,
 * and `METRICS_HOST` when it is not to listen on `HOST`.
 */
export const metricsConfig = (port: number) => ({
  METRICS_PORT: env.port(port),
  METRICS_HOST: z.string().min(1).optional(),
})

/** Where a process's metrics listener listens: `METRICS_HOST`, else `HOST`, on `METRICS_PORT`. */
export const metricsAddress = (config: {
  HOST: string
  METRICS_HOST?: string | undefined
  METRICS_PORT: number
}) => ({ host: config.METRICS_HOST ?? config.HOST, port: config.METRICS_PORT })
