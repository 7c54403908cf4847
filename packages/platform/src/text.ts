import { z } from 'zod'

/**
 * One line of human-readable text, as names and titles are: trimmed, 1 to `max` characters.
 * Control characters are refused (PostgreSQL `text` cannot hold NUL, and the others break
 * logs and displays), and so are unpaired UTF-16 surrogates: they have no UTF-8 encoding,
 * so the text could not be stored as it was sent.
 */
export function textLine(max: number) {
  return (
    z
      .string()
      .trim()
      .min(1)
      .max(max)
      // Ranges rather than `\p{Cc}`: the documented pattern must mean the same to validators
      // that read it without the `u` flag. Surrogates need that flag, so a refinement checks them.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is refused
      .regex(/^[^\x00-\x1f\x7f-\x9f]*$/, 'must not contain control characters')
      .refine((value) => !/\p{Cs}/u.test(value), 'must not contain unpaired surrogates')
  )
}
