import type { K8sObject } from './kubectl.js'

type ConfigData = Record<string, string>

interface EnvSource {
  configMapRef?: { name: string }
  secretRef?: { name: string }
}
interface EnvVar {
  name: string
  value?: string
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string }
    secretKeyRef?: { name: string; key: string }
  }
}

function data(objects: K8sObject[], kind: 'ConfigMap' | 'Secret', name: string) {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name)
  if (!object) return undefined
  if (kind === 'ConfigMap') return (object.data ?? {}) as ConfigData
  const decoded = Object.entries((object.data ?? {}) as ConfigData).map(
    ([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')] as const,
  )
  return { ...Object.fromEntries(decoded), ...(object.stringData ?? {}) } as ConfigData
}

/**
 * The environment a container gets from the manifests, resolving ConfigMaps and Secrets
 * among the rendered objects. `externalSecrets` stands in for Secrets created outside the
 * overlay (production's): a reference to one must name a key it has.
 * Throws naming every reference that resolves to nothing.
 */
export function containerEnvironment(
  container: { env?: EnvVar[]; envFrom?: EnvSource[] },
  objects: K8sObject[],
  externalSecrets: Record<string, ConfigData> = {},
): Record<string, string> {
  const problems: string[] = []
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string) =>
    data(objects, kind, name) ?? (kind === 'Secret' ? externalSecrets[name] : undefined)
  const environment: Record<string, string> = {}
  for (const source of container.envFrom ?? []) {
    const [kind, name] = source.configMapRef
      ? (['ConfigMap', source.configMapRef.name] as const)
      : (['Secret', source.secretRef?.name ?? ''] as const)
    const found = lookup(kind, name)
    if (found) Object.assign(environment, found)
    else problems.push(`envFrom ${kind} ${name} does not exist`)
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef
    if (!ref) {
      environment[variable.name] = variable.value ?? ''
      continue
    }
    const kind = variable.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret'
    const value = lookup(kind, ref.name)?.[ref.key]
    if (value === undefined)
      problems.push(`${variable.name}: ${kind} ${ref.name} has no key ${ref.key}`)
    else environment[variable.name] = value
  }
  if (problems.length > 0) throw new Error(problems.join('; '))
  return environment
}

/** The Secrets an overlay renders, by name without kustomize's hash suffix. */
export function secretsByBaseName(objects: K8sObject[]): Record<string, ConfigData> {
  return Object.fromEntries(
    objects
      .filter((o) => o.kind === 'Secret')
      .map((o) => [
        o.metadata.name.replace(/-[a-z0-9]{10}$/, ''),
        data(objects, 'Secret', o.metadata.name) ?? {},
      ]),
  )
}
