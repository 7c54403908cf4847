/**
 * The OpenAPI documents a running stack publishes at `/docs/json`: the gateway's merged one
 * and each service's own. Used by the OpenAPI lint, the client's generation and drift check,
 * and the contract check of every system test's traffic.
 */

export interface OpenApiDocument {
  openapi?: string
  paths?: Record<string, unknown>
  [key: string]: unknown
}

/** How long the gateway may take to fetch every service's document (it polls with backoff). */
const MERGE_WAIT_MS = 60_000

export async function fetchDocument(url: string): Promise<OpenApiDocument> {
  const response = await fetch(`${url}/docs/json`)
  if (!response.ok) throw new Error(`GET ${url}/docs/json answered ${response.status}`)
  return (await response.json()) as OpenApiDocument
}

/** The gateway's merged document, once it carries every path in `expected`. */
export async function mergedDocument(
  gateway: string,
  expected: string[],
): Promise<OpenApiDocument> {
  const deadline = Date.now() + MERGE_WAIT_MS
  for (;;) {
    const document = await fetchDocument(gateway)
    const missing = expected.filter((path) => !(path in (document.paths ?? {})))
    if (missing.length === 0) return document
    if (Date.now() > deadline) {
      throw new Error(`the gateway's document still lacks ${missing.join(', ')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

export interface StackUrls {
  gateway: string
  userService: string
  orderService: string
}

export interface StackDocuments {
  'api-gateway': OpenApiDocument
  'user-service': OpenApiDocument
  'order-service': OpenApiDocument
}

/** Each service's document, then the gateway's once it has merged every path it proxies. */
export async function stackDocuments(urls: StackUrls): Promise<StackDocuments> {
  const services = {
    'user-service': { url: urls.userService, prefix: '/users' },
    'order-service': { url: urls.orderService, prefix: '/orders' },
  }
  const proxied: string[] = []
  const own: Record<string, OpenApiDocument> = {}
  for (const [name, { url, prefix }] of Object.entries(services)) {
    const document = await fetchDocument(url)
    const paths = Object.keys(document.paths ?? {})
    proxied.push(...paths.filter((path) => path === prefix || path.startsWith(`${prefix}/`)))
    own[name] = document
  }
  return {
    'user-service': own['user-service'] ?? {},
    'order-service': own['order-service'] ?? {},
    'api-gateway': await mergedDocument(urls.gateway, proxied),
  }
}
