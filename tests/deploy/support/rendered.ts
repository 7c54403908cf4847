import { parseConfig } from '@shop/platform'
import { type EntryPoint, entryPointOf, podContainers } from './entry-points.js'
import { containerEnvironment, secretsByBaseName } from './environment.js'
import type { K8sObject } from './kubectl.js'
import { OVERLAYS, renderOverlay } from './overlays.js'

export interface Workload {
  owner: K8sObject
  // biome-ignore lint/suspicious/noExplicitAny: a container spec, checked field by field
  container: any
  entry: EntryPoint
  environment: Record<string, string>
}

export interface RenderedOverlay {
  objects: K8sObject[]
  workloads: Workload[]
  /** Secrets the overlay expects to exist, by stand-in: see renderedOverlay. */
  externalSecrets: Record<string, Record<string, string>>
}

// Each overlay rendered once per run; one that fails to render fails its own suite only.
const renders = new Map(OVERLAYS.map((name) => [name, renderOverlay(name)]))
for (const render of renders.values()) render.catch(() => {})

async function renderedSecrets() {
  const results = await Promise.allSettled(renders.values())
  return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
}

/**
 * An overlay's objects and, for every container, its entry point and environment. A
 * Secret another overlay renders (development's) stands in for one this overlay expects
 * to exist already (production's): same keys, placeholder values.
 */
export async function renderedOverlay(name: string): Promise<RenderedOverlay> {
  const objects = await (renders.get(name) ?? renderOverlay(name))
  const standIns = Object.assign({}, ...(await renderedSecrets()).map(secretsByBaseName))
  const workloads = await Promise.all(
    podContainers(objects).map(async ({ owner, container }) => {
      const where = `${name}: ${owner.kind}/${owner.metadata.name}`
      try {
        const entry = await entryPointOf(container)
        return {
          owner,
          container,
          entry,
          environment: containerEnvironment(
            container as Parameters<typeof containerEnvironment>[0],
            objects,
            standIns,
          ),
        }
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`)
      }
    }),
  )
  return { objects, workloads, externalSecrets: standIns }
}

/** The config a workload's process would run with, parsed by its own schema. */
// biome-ignore lint/suspicious/noExplicitAny: each schema has its own output type
export const parsedConfig = (workload: Workload): Record<string, any> =>
  parseConfig(workload.entry.schema, workload.environment)

export const byName = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)
