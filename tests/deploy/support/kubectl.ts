import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'

const run = promisify(execFile)

/** kustomize 5 is what the overlays are written for (kubectl 1.27 and later embed it). */
const MIN_KUSTOMIZE_MAJOR = 5

export const INSTALL_KUBECTL =
  'kubectl 1.27 or later (kustomize 5 built in) is required for the deploy test: install it ' +
  'from https://kubernetes.io/docs/tasks/tools/ (Debian ships only kubectl 1.20, too old)'

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field
  [field: string]: any
}

/** Why kubectl cannot render the overlays, or undefined when it can. */
export async function kubectlProblem(): Promise<string | undefined> {
  try {
    const { stdout } = await run('kubectl', ['version', '--client', '-o', 'json'])
    const version = JSON.parse(stdout) as { kustomizeVersion?: string }
    const major = Number(/^v?(\d+)\./.exec(version.kustomizeVersion ?? '')?.[1])
    return major >= MIN_KUSTOMIZE_MAJOR ? undefined : INSTALL_KUBECTL
  } catch {
    return INSTALL_KUBECTL
  }
}

/**
 * kustomize wraps a long Secret value's base64 over several lines; the API server's decoder
 * skips the line breaks, as the schema's `format: byte` does not.
 */
function unwrappedSecretData(object: K8sObject): K8sObject {
  const data = (object as { data?: Record<string, unknown> }).data
  if (object.kind !== 'Secret' || !data) return object
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') data[key] = value.replace(/\s+/g, '')
  }
  return object
}

/** `kubectl kustomize <dir>`, parsed: every object the overlay would apply. */
export async function render(directory: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', directory], { maxBuffer: 16 << 20 })
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw document.errors[0]
    return unwrappedSecretData(document.toJS() as K8sObject)
  })
}
