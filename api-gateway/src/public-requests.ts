import type { FastifyRequest } from 'fastify'

/**
 * The proxied requests anyone may send: signing up, signing in, and the issuer's discovery
 * document and keys. The gateway's proxy routes take every method of a path, so these are
 * told by method and path rather than by route; the services check the same on their side.
 */
export function isPublicRequest(request: FastifyRequest): boolean {
  const { method } = request
  const path = pathOf(request.url)
  if (method === 'POST') return path === '/users' || path === '/tokens'
  return (method === 'GET' || method === 'HEAD') && path.startsWith('/.well-known/')
}

/** A request URL's path without its query and trailing slash, as the services route it. */
export function pathOf(url: string) {
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
}
