import { isDeepStrictEqual } from 'node:util'

type Json = Record<string, unknown>

export interface OpenApiDocument extends Json {
  paths?: Record<string, unknown>
  components?: Record<string, Record<string, unknown>>
  tags?: Array<{ name: string; description?: string }>
}

type Responses = Record<string, Json & { description?: string }>

export interface MergeOptions {
  /**
   * What the gateway itself can answer on a proxied operation (rate limit, upstream
   * failures), added to the service's own responses; a status both can answer keeps the
   * service's example and lists both meanings.
   */
  proxyResponses?: (operation: Json) => Responses
}

export interface UpstreamDocument {
  /** e.g. `user-service`; prefixes the names of its colliding components. */
  name: string
  /** Only these paths are reachable through the gateway, so only they are documented. */
  prefixes: readonly string[]
  document: OpenApiDocument
}

function pascalCase(name: string) {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')
}

/** Deep copy with every `$ref` found in `renames` replaced. */
function rewriteRefs<T>(value: T, renames: ReadonlyMap<string, string>): T {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames)) as T
  if (value === null || typeof value !== 'object') return value
  const copy: Json = {}
  for (const [key, inner] of Object.entries(value)) {
    copy[key] =
      key === '$ref' && typeof inner === 'string'
        ? (renames.get(inner) ?? inner)
        : rewriteRefs(inner, renames)
  }
  return copy as T
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

function camelCase(name: string) {
  const pascal = pascalCase(name)
  return pascal.charAt(0).toLowerCase() + pascal.slice(1)
}

function withResponses(operation: Json, added: Responses): Json {
  const responses: Responses = { ...(operation.responses as Responses | undefined) }
  for (const [status, response] of Object.entries(added)) {
    const own = responses[status]
    responses[status] = own
      ? {
          ...own,
          description: `${own.description ?? ''}; or, at the gateway: ${response.description}`,
        }
      : response
  }
  return { ...operation, responses }
}

/**
 * An upstream's path item as the gateway serves it: with the gateway's own answers, and
 * each `operationId` that another document already uses prefixed with the service's name,
 * so ids stay unique.
 */
function proxiedPathItem(
  item: Json,
  upstream: UpstreamDocument,
  usedIds: Set<string>,
  options: MergeOptions,
): Json {
  const copy: Json = { ...item }
  for (const [method, value] of Object.entries(item)) {
    if (!METHODS.has(method) || value === null || typeof value !== 'object') continue
    let operation = value as Json
    if (options.proxyResponses)
      operation = withResponses(operation, options.proxyResponses(operation))
    const id = operation.operationId
    if (typeof id === 'string') {
      let unique = id
      if (usedIds.has(unique)) unique = `${camelCase(upstream.name)}${pascalCase(id)}`
      for (let n = 2; usedIds.has(unique); n++)
        unique = `${camelCase(upstream.name)}${pascalCase(id)}${n}`
      usedIds.add(unique)
      operation = { ...operation, operationId: unique }
    }
    copy[method] = operation
  }
  return copy
}

function operationIds(paths: Record<string, unknown>) {
  const ids = new Set<string>()
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries((item ?? {}) as Json)) {
      const id = METHODS.has(method) ? (operation as Json | null)?.operationId : undefined
      if (typeof id === 'string') ids.add(id)
    }
  }
  return ids
}

function isUnder(path: string, prefixes: readonly string[]) {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
}

/**
 * Decides which of `upstream`'s components keep their name: those new to `merged` and
 * those identical to the one already there. The others get the service's name in front,
 * and references to them are rewritten — repeated until stable, since renaming one
 * component changes every component that refers to it.
 */
function componentRenames(merged: OpenApiDocument['components'] & {}, upstream: UpstreamDocument) {
  const renames = new Map<string, string>()
  const taken = new Set<string>()
  const entries = Object.entries(upstream.document.components ?? {}).flatMap(([kind, byName]) =>
    Object.entries(byName ?? {}).map(([name, value]) => ({ kind, name, value })),
  )
  for (let changed = true; changed; ) {
    changed = false
    for (const { kind, name, value } of entries) {
      const ref = `#/components/${kind}/${name}`
      const existing = merged[kind]?.[name]
      if (renames.has(ref) || existing === undefined) continue
      if (isDeepStrictEqual(existing, rewriteRefs(value, renames))) continue
      let candidate = `${pascalCase(upstream.name)}${name}`
      for (
        let n = 2;
        merged[kind]?.[candidate] !== undefined || taken.has(`${kind}/${candidate}`);
        n++
      ) {
        candidate = `${pascalCase(upstream.name)}${name}${n}`
      }
      taken.add(`${kind}/${candidate}`)
      renames.set(ref, `#/components/${kind}/${candidate}`)
      changed = true
    }
  }
  return { entries, renames }
}

/**
 * One document for the whole system: the gateway's own routes, then each upstream's routes
 * under its prefixes (so a service's own health and docs routes stay out: the
 * gateway's are the ones served here), with component names and operation ids kept apart.
 * `servers` points at the gateway so Swagger UI's "Try it out" goes through it. Never
 * mutates its inputs.
 */
export function mergeOpenApi(
  gateway: OpenApiDocument,
  upstreams: readonly UpstreamDocument[],
  options: MergeOptions = {},
): OpenApiDocument {
  const components: Record<string, Record<string, unknown>> = {}
  for (const [kind, byName] of Object.entries(gateway.components ?? {})) {
    components[kind] = { ...byName }
  }
  const paths: Record<string, unknown> = { ...gateway.paths }
  const tags = [...(gateway.tags ?? [])]
  const usedIds = operationIds(paths)

  for (const upstream of upstreams) {
    const { entries, renames } = componentRenames(components, upstream)
    for (const { kind, name, value } of entries) {
      const ref = renames.get(`#/components/${kind}/${name}`) ?? `#/components/${kind}/${name}`
      const target = ref.slice(`#/components/${kind}/`.length)
      components[kind] = { ...components[kind], [target]: rewriteRefs(value, renames) }
    }
    for (const [path, item] of Object.entries(upstream.document.paths ?? {})) {
      if (isUnder(path, upstream.prefixes) && !(path in paths)) {
        paths[path] = proxiedPathItem(
          rewriteRefs(item as Json, renames),
          upstream,
          usedIds,
          options,
        )
      }
    }
    for (const tag of upstream.document.tags ?? []) {
      if (!tags.some((known) => known.name === tag.name)) tags.push(tag)
    }
  }

  return { ...gateway, servers: [{ url: '/' }], paths, components, tags }
}
