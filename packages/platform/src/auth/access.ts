import { HttpProblem } from '../problem.js'
import type { Caller } from './authentication.js'

/** Whether `caller` may see or act on what belongs to user `userId`: their own, or an admin. */
export function mayActFor(caller: Caller, userId: number) {
  return caller.isAdmin || caller.userId === userId
}

/** 403 unless the caller is an admin; `what` completes "only an admin may …". */
export function assertAdmin(caller: Caller, what: string) {
  if (!caller.isAdmin) throw new HttpProblem(403, `only an admin may ${what}`)
}

/** Whose an idempotency key is: the issuer and subject of the caller's token. */
export function callerScope(caller: Caller): readonly string[] {
  return [caller.issuer, caller.subject]
}
