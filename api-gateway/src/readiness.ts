import type { ReadinessCheck, ReplicaBalancer } from '@shop/platform'

/**
 * Ready when at least one replica of the upstream answers its `/healthz`. Liveness, not
 * readiness: a service's own dependencies are its business, and taking the gateway out of
 * rotation because a database is down would only swap the services' problem+json answers
 * for refused connections (and drag /docs and every other upstream down with it).
 */
export function anyReplicaAlive(replicas: ReplicaBalancer, timeoutMs = 2_000): ReadinessCheck {
  return async () => {
    const targets = replicas.targets
    if (targets.length === 0) throw new Error('no replica address known')
    try {
      return await Promise.any(
        targets.map(async (target) => {
          const response = await fetch(`${target}/healthz`, {
            signal: AbortSignal.timeout(timeoutMs),
          })
          await response.body?.cancel()
          if (!response.ok) throw new Error(`${target} answered ${response.status}`)
          return target
        }),
      )
    } catch (error) {
      const first = error instanceof AggregateError ? error.errors[0] : error
      const reason = first instanceof Error ? (first.cause ?? first) : first
      throw new Error(
        `no replica answers /healthz (${String((reason as Error).message ?? reason)})`,
      )
    }
  }
}
