import { z } from 'zod'

/**
 * One line of human-readable text, as names and titles are: trimmed, 1 to `max` characters.
 * Control characters are refused (PostgreSQL `text` cannot hold NUL, and the others break
 * logs and displays), and so are unpaired UTF-16 surrogates: they have no UTF-8 encoding,
 * so the text could not be stored as it was sent.
 */
export function textLine(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters or unpaired surrogates')
}
