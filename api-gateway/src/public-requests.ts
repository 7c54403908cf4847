import type { FastifyRequest } from 'fastify'

/**
 * The proxied requests anyone may send: signing up, signing in, and the issuer's discovery
 * document and keys. The gateway's proxy routes take every method of a path, so these are
 * told by method and path rather than by route; the services check the same on their side.
 */
export function isPublicRequest(request: FastifyRequest): boolean {
  const { method, url } = request
  const path = url.split('?', 1)[0] as string
  if (method === 'POST') return path === '/users' || path === '/tokens'
  return (method === 'GET' || method === 'HEAD') && path.startsWith('/.well-known/')
}
