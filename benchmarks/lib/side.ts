import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PrerequisiteError } from '@shop/local-infra'
import { nodeFlags, ROOT } from '@shop/native-stack'

/**
 * The code a benchmark measures and the Node that runs it: this checkout from its TypeScript
 * sources (as ever), or, in a baseline comparison, a built tree (this one, or the baseline
 * ref's worktree) on the Node its `.node-version` names.
 */
export interface Side {
  /** `working tree`, or `baseline <ref>`. */
  name: string
  root: string
  node: string
  nodeVersion: string
  /** Run `dist/` as production does; otherwise `src/` through tsx. */
  built: boolean
  /** The baseline's commit. */
  commit?: string
}

export const WORKING_TREE: Side = {
  name: 'working tree',
  root: ROOT,
  node: process.execPath,
  nodeVersion: process.versions.node,
  built: false,
}

type FlagTable = (service: string, script: string) => string[]
const flagTables = new Map<string, FlagTable>([[ROOT, nodeFlags]])

/**
 * The node flags a tree gives its own entry points (`packages/native-stack/src/node-flags.ts`), so that a
 * baseline runs as it ran in production then; none when the tree has no such table.
 */
async function flagTable(root: string): Promise<FlagTable> {
  const known = flagTables.get(root)
  if (known) return known
  const file = join(root, 'scripts', 'stack', 'node-flags.ts')
  let table: FlagTable = () => []
  if (existsSync(file)) {
    const module = (await import(pathToFileURL(file).href)) as { nodeFlags?: FlagTable }
    if (typeof module.nodeFlags === 'function') table = module.nodeFlags
  }
  flagTables.set(root, table)
  return table
}

/**
 * Node's arguments for one of the shop's entry points, given as its source file in this
 * checkout (`<service>/src/<entry>.ts`), on `side`: that file through tsx, or the side's
 * build of it, with the flags the side's production gives it.
 */
export async function entryArgs(side: Side, sourceFile: string) {
  const path = relative(ROOT, sourceFile)
  const match = /^([^/]+)\/src\/(.+)\.ts$/.exec(path)
  if (!match)
    return ['--import', import.meta.resolve('tsx'), '--conditions=development', sourceFile]
  const [, service = '', entry = ''] = match
  const flags = (await flagTable(side.root))(service, `dist/${entry}.js`)
  if (!side.built) {
    const source = join(side.root, path)
    return [...flags, '--import', import.meta.resolve('tsx'), '--conditions=development', source]
  }
  const built = join(side.root, service, 'dist', `${entry}.js`)
  if (!existsSync(built)) {
    throw new PrerequisiteError(
      `${side.name} has no ${service}/dist/${entry}.js after its build: its entry points differ ` +
        'from this checkout, so this benchmark cannot start it',
    )
  }
  return [...flags, built]
}
