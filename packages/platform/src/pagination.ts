import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { problemResponses } from './problem.js'
import { decimalInteger, Id } from './route-params.js'

export const PageQuery = z.object({
  limit: decimalInteger(1, 1000).default(100).describe('Rows per page, 1 to 1000'),
  after_id: Id.optional().describe('Return rows whose id is greater than this (keyset cursor)'),
})
export type PageQuery = z.output<typeof PageQuery>

/**
 * The schema of a route that lists one page of rows by id (`paginate` answers it): its query,
 * its page and the problems any list can answer.
 */
export function pageRouteSchema<Query extends z.ZodType, Page extends z.ZodType>(route: {
  operationId: string
  summary: string
  querystring: Query
  page: Page
}) {
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: 'When more rows exist, a `Link: <…>; rel="next"` header points to them.',
    querystring: route.querystring,
    response: { 200: route.page, ...problemResponses(400, 503) },
  }
}

/**
 * Repositories fetch `limit + 1` rows; when the extra row is there, the page is trimmed and a
 * relative `Link: <…>; rel="next"` header points past its last id, keeping every other query
 * parameter, so it works the same through the gateway.
 */
export function paginate<Row extends { id: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  rows: Row[],
  limit: number,
): Row[] {
  if (rows.length <= limit) return rows
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  if (last) {
    const url = new URL(request.url, 'http://placeholder')
    url.searchParams.set('limit', String(limit))
    url.searchParams.set('after_id', String(last.id))
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
  }
  return page
}
