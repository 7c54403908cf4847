import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT } from './entry-points.js'
import { type K8sObject, kubectlProblem, render } from './kubectl.js'

export const OVERLAYS_DIR = join(ROOT, 'deploy/overlays')

/** Every overlay under deploy/overlays, found rather than listed. */
export const OVERLAYS = (await readdir(OVERLAYS_DIR, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()

/**
 * Without a suitable kubectl the suites are skipped with one line saying what to install,
 * except under CI (`CI` set), where that line fails them: no registry here offers kubectl,
 * so a developer's machine may lack it, but CI must not pass without rendering.
 */
const problem = await kubectlProblem()
export const skipWithoutKubectl = problem !== undefined && !process.env.CI ? problem : false
export const kubectlMissing = problem

export async function renderOverlay(name: string): Promise<K8sObject[]> {
  if (problem) throw new Error(problem)
  return render(join(OVERLAYS_DIR, name))
}
