import { sendProblem } from '@shop/platform'
import type { FastifyInstance } from 'fastify'

/**
 * @bull-board/api joins a validation message and its details with a NUL character and
 * splits them again, so a NUL in a path, query or body turns its 400 into a 500. No queue,
 * job or state has one in its name: refuse such input before the dashboard reads it.
 */
export function refuseNulCharacters(board: FastifyInstance) {
  board.addHook('preValidation', async (request, reply) => {
    if (request.url.includes('%00') || JSON.stringify(request.body ?? null).includes('\\u0000')) {
      return sendProblem(reply, 400, 'the request must not contain NUL characters')
    }
  })
}
