import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1'
import * as apps from 'kubernetes-models/apps/v1'
import * as autoscaling from 'kubernetes-models/autoscaling/v2'
import * as batch from 'kubernetes-models/batch/v1'
import * as networking from 'kubernetes-models/networking.k8s.io/v1'
import * as policy from 'kubernetes-models/policy/v1'
import * as core from 'kubernetes-models/v1'
import type { K8sObject } from './kubectl.js'

interface Model {
  validate(): void
}
type ModelClass = new (data: never) => Model

/** The API versions the manifests may use, each with the models of its kinds. */
const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'autoscaling/v2': autoscaling,
  'policy/v1': policy,
  'networking.k8s.io/v1': networking,
  'keda.sh/v1alpha1': keda,
}

/**
 * Validates an object against its Kubernetes (or KEDA) OpenAPI schema. Throws naming the
 * object and the fields at fault; an API version or kind without a schema here fails too.
 * The schemas check types, formats, enums and required fields, not unknown field names:
 * the policy checks in the tests look for the fields that matter by name.
 */
export function validateObject(object: K8sObject) {
  const id = `${object.kind}/${object.metadata?.name}`
  const Model = MODELS[object.apiVersion]?.[object.kind] as ModelClass | undefined
  if (!Model) throw new Error(`${id}: no schema for ${object.apiVersion} ${object.kind}`)
  try {
    new Model(object as never).validate()
  } catch (error) {
    throw new Error(`${id} (${object.apiVersion}): ${(error as Error).message}`)
  }
}
