import assert from 'node:assert/strict'
import type { ComposeProject } from './compose-project.js'

/** What `docker inspect` tells of a container's confinement. */
interface Confinement {
  Name: string
  Path: string
  Args: string[]
  Config: { Cmd: string[] | null }
  State: { OOMKilled: boolean }
  RestartCount: number
  HostConfig: {
    CapDrop: string[] | null
    CapAdd: string[] | null
    SecurityOpt: string[] | null
    ReadonlyRootfs: boolean
    Memory: number
    PidsLimit: number | null
    RestartPolicy: { Name: string }
  }
}

/** Services whose image was never run here (no registry): they may write to their root. */
const WRITABLE_ROOT = new Set(['grafana', 'jaeger'])

async function confinementOf(project: ComposeProject, files?: string[]) {
  const rows = await project.services(files)
  assert.ok(rows.length > 0, 'no container')
  const ids = rows.map((r) => r.ID)
  const infos = JSON.parse(await project.docker(['inspect', ...ids])) as Confinement[]
  return rows.map((row, i) => ({ service: row.Service, info: infos[i] as Confinement }))
}

/**
 * Every running container: restarted unless stopped, every capability dropped and none
 * added, no-new-privileges, a read-only root (`writableRoot`: services allowed one), and
 * memory and pids limits.
 */
export async function assertLockedDown(
  project: ComposeProject,
  { files, writableRoot = WRITABLE_ROOT }: { files?: string[]; writableRoot?: Set<string> } = {},
) {
  const problems: string[] = []
  for (const { service, info } of await confinementOf(project, files)) {
    const host = info.HostConfig
    const say = (what: string) => problems.push(`${service} (${info.Name}): ${what}`)
    if (host.RestartPolicy.Name !== 'unless-stopped') say(`restart ${host.RestartPolicy.Name}`)
    if (!host.CapDrop?.includes('ALL')) say(`drops ${host.CapDrop}`)
    if (host.CapAdd?.length) say(`adds ${host.CapAdd}`)
    if (!host.SecurityOpt?.some((o) => /^no-new-privileges(:true)?$/.test(o))) {
      say(`security options ${host.SecurityOpt}`)
    }
    if (!host.ReadonlyRootfs && !writableRoot.has(service)) say('writable root filesystem')
    if (!(host.Memory > 0)) say('no memory limit')
    if (!((host.PidsLimit ?? 0) > 0)) say('no pids limit')
  }
  assert.deepEqual(problems, [], 'not locked down')
}

/** No container has restarted or been killed for memory since it was created. */
export async function assertNoneRestarted(project: ComposeProject) {
  const restarted = (await confinementOf(project))
    .filter(({ info }) => info.RestartCount > 0 || info.State.OOMKilled)
    .map(
      ({ info }) =>
        `${info.Name}: ${info.RestartCount} restarts, OOM-killed ${info.State.OOMKilled}`,
    )
  assert.deepEqual(restarted, [], 'restarted under load')
}

/**
 * Redis asks for `password`, is under a non-zero maxmemory with noeviction, and no command
 * line of its container (what it was started with, what `ps` shows) holds the password.
 */
export async function assertRedisConfined(project: ComposeProject, password: string) {
  const cli = async (args: string[]) =>
    (await project.compose(['exec', '-T', 'redis', 'redis-cli', ...args])).trim().split('\n')
  const [, maxmemory] = await cli(['CONFIG', 'GET', 'maxmemory'])
  assert.ok(Number(maxmemory) > 0, `maxmemory ${maxmemory}`)
  assert.deepEqual(await cli(['CONFIG', 'GET', 'maxmemory-policy']), [
    'maxmemory-policy',
    'noeviction',
  ])
  assert.deepEqual(await cli(['CONFIG', 'GET', 'requirepass']), ['requirepass', password])
  const anonymous = await project.attempt([
    'exec',
    '-T',
    'redis',
    'sh',
    '-c',
    'unset REDISCLI_AUTH; redis-cli PING',
  ])
  assert.match(anonymous.output, /NOAUTH/, 'Redis answers without the password')

  const [id] = await project.containerIds('redis')
  assert.ok(id, 'no redis container')
  const [info] = JSON.parse(await project.docker(['inspect', id])) as Confinement[]
  const started = [info?.Path, ...(info?.Args ?? []), ...(info?.Config.Cmd ?? [])].join(' ')
  assert.ok(!started.includes(password), `started with the password: ${started}`)
  const ps = await project.docker(['top', id, '-o', 'pid,args'])
  assert.match(ps, /redis-server/)
  assert.ok(!ps.includes(password), `ps shows the password:\n${ps}`)
}
