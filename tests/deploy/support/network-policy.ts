import type { K8sObject } from './kubectl.js'

type Labels = Record<string, string>
interface Selector {
  matchLabels?: Labels
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}
interface Peer {
  podSelector?: Selector
  namespaceSelector?: Selector
  ipBlock?: { cidr: string; except?: string[] }
}
interface Rule {
  from?: Peer[]
  to?: Peer[]
  ports?: { port?: number | string; protocol?: string }[]
}

/**
 * A pod in the shop's namespace, a pod in another namespace, or an address outside the
 * cluster. A pod's `ports` are its named container ports, which a policy may name.
 */
export type Endpoint =
  | { pod: Labels; namespace?: Labels; ports?: Record<string, number> }
  | { ip: string }

export function selectorMatches(selector: Selector | undefined, labels: Labels) {
  if (!selector) return true
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'In') return values.includes(labels[key] ?? '\0')
      if (operator === 'NotIn') return !values.includes(labels[key] ?? '\0')
      if (operator === 'Exists') return key in labels
      if (operator === 'DoesNotExist') return !(key in labels)
      throw new Error(`unknown selector operator ${operator}`)
    })
  )
}

function ipv4(address: string) {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

function inCidr(address: string, cidr: string) {
  const [base, bits] = cidr.split('/')
  const size = 2 ** (32 - Number(bits))
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base ?? '') / size)
}

function peerMatches(peer: Peer, endpoint: Endpoint) {
  if ('ip' in endpoint) {
    const block = peer.ipBlock
    return (
      !!block &&
      inCidr(endpoint.ip, block.cidr) &&
      !block.except?.some((c) => inCidr(endpoint.ip, c))
    )
  }
  if (peer.ipBlock) return false
  const namespaceMatches = peer.namespaceSelector
    ? endpoint.namespace !== undefined &&
      selectorMatches(peer.namespaceSelector, endpoint.namespace)
    : endpoint.namespace === undefined
  return namespaceMatches && selectorMatches(peer.podSelector, endpoint.pod)
}

type Direction = 'Ingress' | 'Egress'

/**
 * Whether the policies let `subject` take (Ingress) or open (Egress) a connection with `peer`
 * on `port`, which a policy may give by the name it has in the receiving pod (`named`).
 */
function allowed(
  policies: K8sObject[],
  direction: Direction,
  subject: Labels,
  peer: Endpoint,
  port: number,
  protocol: string,
  named: Record<string, number> = {},
) {
  const selecting = policies.filter((policy) => {
    const types: Direction[] = policy.spec.policyTypes ?? [
      'Ingress',
      ...(policy.spec.egress ? ['Egress' as const] : []),
    ]
    return types.includes(direction) && selectorMatches(policy.spec.podSelector, subject)
  })
  if (selecting.length === 0) return true
  return selecting.some((policy) =>
    ((direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress) ?? []).some(
      (rule: Rule) => {
        const peers = direction === 'Ingress' ? rule.from : rule.to
        const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, peer))
        const portOk =
          !rule.ports ||
          rule.ports.length === 0 ||
          rule.ports.some(
            (p) =>
              (p.protocol ?? 'TCP') === protocol &&
              (p.port === undefined ||
                p.port === port ||
                (typeof p.port === 'string' && named[p.port] === port)),
          )
        return peerOk && portOk
      },
    ),
  )
}

/**
 * Whether a connection from `source` to `target` on `port` gets through: the source's
 * egress rules and, for a pod in the shop's namespace, the target's ingress rules.
 */
export function connects(
  objects: K8sObject[],
  source: Endpoint,
  target: Endpoint,
  port: number,
  protocol = 'TCP',
) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy')
  const ownPod = (e: Endpoint) => ('pod' in e && e.namespace === undefined ? e.pod : undefined)
  const from = ownPod(source)
  const to = ownPod(target)
  const named = 'pod' in target ? target.ports : undefined
  return (
    (!from || allowed(policies, 'Egress', from, target, port, protocol, named)) &&
    (!to || allowed(policies, 'Ingress', to, source, port, protocol, named))
  )
}
