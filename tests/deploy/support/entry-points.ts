import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { nodeFlags } from '@shop/native-stack'
import type { z } from 'zod'
import { Config as GatewayConfig } from '../../../api-gateway/src/config.js'
import {
  ApiConfig,
  BoardConfig,
  MigrateConfig as OrderMigrateConfig,
  WorkerConfig,
} from '../../../order-service/src/config.js'
import {
  MigrateConfig as UserMigrateConfig,
  Config as UserServiceConfig,
} from '../../../user-service/src/config.js'
import type { K8sObject } from './kubectl.js'

export const ROOT = resolve(import.meta.dirname, '../../..')

export interface EntryPoint {
  /** The service folder whose image runs it. */
  service: string
  /** `dist/<name>.js`, compiled from `src/<name>.ts`. */
  script: string
  /** The config schema that script parses, and the loader through which it does. */
  schema: z.ZodObject
  loader: string
}

const entry = (service: string, name: string, schema: z.ZodObject, loader: string) => ({
  service,
  script: `dist/${name}.js`,
  schema,
  loader,
})

/**
 * Every entry point of every image. The test checks each one's source calls the loader
 * named here, so this table cannot drift from what the scripts parse.
 */
export const ENTRY_POINTS: EntryPoint[] = [
  entry('api-gateway', 'server', GatewayConfig, 'loadConfig'),
  entry('user-service', 'server', UserServiceConfig, 'loadConfig'),
  entry('user-service', 'migrate', UserMigrateConfig, 'loadMigrateConfig'),
  entry('order-service', 'api/server', ApiConfig, 'loadConfig'),
  entry('order-service', 'worker/server', WorkerConfig, 'loadWorkerConfig'),
  entry('order-service', 'board/server', BoardConfig, 'loadBoardConfig'),
  entry('order-service', 'migrate', OrderMigrateConfig, 'loadMigrateConfig'),
]

export async function entrySource({ service, script }: EntryPoint) {
  const name = script.replace(/^dist\/(.+)\.js$/, '$1')
  return readFile(join(ROOT, service, 'src', `${name}.ts`), 'utf8')
}

/**
 * The image's default command: the last CMD of stage `runtime-<service>` in the root
 * Dockerfile, the stage its final `FROM runtime-${SERVICE} AS runtime` picks.
 */
async function defaultCommand(service: string): Promise<string[]> {
  const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8')
  const stages = dockerfile.split(/^(?=FROM )/m).slice(1)
  if (!/^FROM runtime-\$\{SERVICE\} AS runtime$/m.test(stages.at(-1) ?? '')) {
    throw new Error('Dockerfile: the last stage is not runtime, based on runtime-<SERVICE>')
  }
  const header = new RegExp(`^FROM \\S+ AS runtime-${service}$`, 'm')
  const stage = stages.find((s) => header.test(s))
  if (!stage) throw new Error(`Dockerfile has no stage runtime-${service}`)
  const last = [...stage.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1]
  if (!last) throw new Error(`Dockerfile: stage runtime-${service} has no CMD`)
  return JSON.parse(last)
}

type Container = { name: string; image: string; command?: string[]; args?: string[] }

/** Which entry point a container runs: its image's service and its command (or the CMD). */
export async function entryPointOf(container: Container): Promise<EntryPoint> {
  const service = /([^/]+?)(?::[^/:]+)?$/.exec(container.image)?.[1] ?? container.image
  const command = container.command ?? (await defaultCommand(service))
  const argv = [...command, ...(container.args ?? [])]
  // node, its flags, the script.
  const at = argv[0] === 'node' ? argv.findIndex((arg, i) => i > 0 && !arg.startsWith('-')) : -1
  const script = at > 0 ? argv[at] : undefined
  const found = ENTRY_POINTS.find((e) => e.service === service && e.script === script)
  if (!found) {
    throw new Error(
      `container ${container.name} runs ${argv.join(' ')} from ${service}: no known entry point`,
    )
  }
  const flags = argv.slice(1, at)
  const expected = nodeFlags(found.service, found.script)
  if (flags.join(' ') !== expected.join(' ')) {
    throw new Error(
      `container ${container.name} runs ${found.service} ${found.script} with node flags ` +
        `[${flags.join(' ')}], not [${expected.join(' ')}] as packages/native-stack/src/node-flags.ts has them`,
    )
  }
  return found
}

/** Every pod template's containers, with the object that holds them. */
export function podContainers(objects: K8sObject[]) {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .flatMap((owner) =>
      (owner.spec.template.spec.containers as Container[]).map((container) => ({
        owner,
        container,
      })),
    )
}
