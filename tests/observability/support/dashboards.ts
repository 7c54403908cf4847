import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { filesIn, GRAFANA_DIR } from './files.js'

export interface DatasourceRef {
  type?: string
  uid?: string
}

export interface Panel {
  id: number
  type: string
  title: string
  datasource?: DatasourceRef
  targets?: { refId: string; expr?: string; datasource?: DatasourceRef }[]
  panels?: Panel[]
}

export interface Dashboard {
  uid: string
  title: string
  panels: Panel[]
}

export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards')

/** Every dashboard JSON in the repository, parsed (a file that is not JSON throws). */
export async function dashboards(): Promise<{ file: string; dashboard: Dashboard }[]> {
  const files = await filesIn(DASHBOARDS_DIR, ['.json'])
  return Promise.all(
    files.map(async (path) => ({
      file: basename(path),
      dashboard: JSON.parse(await readFile(path, 'utf8')) as Dashboard,
    })),
  )
}

/** Every panel, those inside collapsed rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])])
}

/** Every PromQL query of a dashboard, named by panel for messages. */
export function queries(dashboard: Dashboard): { where: string; expr: string }[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) =>
      target.expr === undefined
        ? []
        : [{ where: `${dashboard.title} / ${panel.title} / ${target.refId}`, expr: target.expr }],
    ),
  )
}
