import type { z } from 'zod'
import { HttpProblem, problemResponse, problemResponses } from './problem.js'
import { IdParams, NoQuery } from './route-params.js'

/** The schema of a route that answers one row by its id (`/things/:id`), or 404. */
export function byIdRouteSchema<Row extends z.ZodType>(route: {
  operationId: string
  summary: string
  description: string
  row: Row
  /** The example 404's detail, as `foundOr404` words it. */
  notFoundExample: string
}) {
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    params: IdParams,
    querystring: NoQuery,
    response: {
      200: route.row,
      ...problemResponses(400),
      404: problemResponse(404, { detail: route.notFoundExample }),
      ...problemResponses(503),
    },
  }
}

/** The row found, or a 404 problem naming what (`'order'`) and its id. */
export function foundOr404<Row>(row: Row | undefined | null, what: string, id: number): Row {
  if (!row) throw new HttpProblem(404, `${what} ${id} does not exist`)
  return row
}
