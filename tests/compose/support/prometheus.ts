interface Target {
  health: string
  lastError: string
  labels: { job: string; instance: string }
}

/** The problems with Prometheus' active targets, none when they are exactly `want`, all up. */
export async function targetProblems(base: string, want: Record<string, number>) {
  const response = await fetch(`${base}/api/v1/targets?state=active`)
  if (!response.ok) return [`GET /api/v1/targets answered ${response.status}`]
  const { data } = (await response.json()) as { data: { activeTargets: Target[] } }
  const up: Record<string, number> = {}
  const problems: string[] = []
  for (const { health, lastError, labels } of data.activeTargets) {
    if (health === 'up') up[labels.job] = (up[labels.job] ?? 0) + 1
    else problems.push(`${labels.job} ${labels.instance}: ${health} ${lastError}`)
  }
  for (const job of new Set([...Object.keys(want), ...Object.keys(up)])) {
    if ((up[job] ?? 0) !== (want[job] ?? 0)) {
      problems.push(`${job}: ${up[job] ?? 0} targets up, expected ${want[job] ?? 0}`)
    }
  }
  return problems
}

/** How many series Prometheus answers `query` with. */
export async function seriesCount(base: string, query: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`)
  const { data } = (await response.json()) as { data: { result: unknown[] } }
  return data.result.length
}
