// Prints a JWK set for AUTH_SIGNING_KEYS with a new ES256 private key first, followed by the
// keys of the set read from standard input, if any: the step that starts a key rotation
// (docs/operations.md). Standard input that is a terminal counts as no set.
import { runProcess } from '@shop/platform/entry'

/** The keys of a JWK set; an error that never quotes the text (a parser's message might). */
function keysOf(text: string): unknown[] {
  try {
    const { keys } = JSON.parse(text) as { keys?: unknown }
    if (Array.isArray(keys)) return keys
  } catch {}
  throw new Error('standard input is not a JWK set ({"keys":[...]})')
}

await runProcess('user-service new-signing-key', async () => {
  const { text } = await import('node:stream/consumers')
  const { generateSigningJwk } = await import('./identity/signing-keys.js')
  const given = process.stdin.isTTY ? '' : (await text(process.stdin)).trim()
  const kept = given === '' ? [] : keysOf(given)
  const keys = [await generateSigningJwk(), ...kept]
  process.stdout.write(`${JSON.stringify({ keys })}\n`)
  return undefined
})
