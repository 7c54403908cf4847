import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'

export const ROOT = resolve(import.meta.dirname, '../../..')
export const OBSERVABILITY = join(ROOT, 'observability')
export const PROMETHEUS_DIR = join(OBSERVABILITY, 'prometheus')
export const GRAFANA_DIR = join(OBSERVABILITY, 'grafana')

export async function readYaml<T>(path: string): Promise<T> {
  return parse(await readFile(path, 'utf8')) as T
}

/** Every file with one of `extensions` directly in `directory`, as full paths. */
export async function filesIn(directory: string, extensions: string[]): Promise<string[]> {
  const entries = await readdir(directory)
  return entries
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .sort()
    .map((name) => join(directory, name))
}

export interface ComposeService {
  image?: string
  profiles?: string[]
  volumes?: string[]
  healthcheck?: { test?: string[] }
  environment?: Record<string, string | number | null>
  ports?: string[]
}

export async function composeServices(): Promise<Record<string, ComposeService>> {
  const compose = await readYaml<{ services: Record<string, ComposeService> }>(
    join(ROOT, 'docker-compose.yml'),
  )
  return compose.services
}

/** Where compose mounts `source` (relative to the repository) in `service`'s container. */
export function mountTarget(service: ComposeService, source: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [from, to] = volume.split(':')
    if (from && resolve(ROOT, from) === resolve(ROOT, source)) return to
  }
  return undefined
}
