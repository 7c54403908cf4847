/** fast-check arbitraries for what a hostile client sends: strings, paths, queries, headers, JSON. */
import fc from 'fast-check'

/** Quotes, comments, wildcards, escapes and placeholders, as an injection attempt would use. */
export const SQL_METACHARACTERS = [
  "'",
  '"',
  ';',
  '--',
  '/*',
  '*/',
  '%',
  '_',
  '\\',
  '$1',
  '$$',
  '`',
  "' OR '1'='1",
  "'); DROP TABLE users.users; --",
  '1; DELETE FROM orders.orders',
  "E'\\x00'",
  'NULL',
]

export const sqlText = fc
  .array(fc.oneof(fc.constantFrom(...SQL_METACHARACTERS), fc.string({ maxLength: 5 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(''))

/** C0 and C1 controls, DEL and NUL: what a text column or a log line may choke on. */
export const controlCharacter = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
)

export const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code))

/** Any code point, plus the characters that break naive code more often than chance would. */
const hostileCharacter = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: controlCharacter },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.constantFrom(' ', '\u00a0', '\u2028', '\ufeff', '\u200b', '🛒') },
  { weight: 1, arbitrary: fc.constantFrom(...SQL_METACHARACTERS) },
)

export const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: hostileCharacter, maxLength: 40 }) },
  { weight: 1, arbitrary: sqlText },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', 'x'.repeat(201), 'é'.repeat(300)) },
)

/** A string with at least one control character somewhere in it. */
export const stringWithControl = fc
  .tuple(fc.string({ maxLength: 10 }), controlCharacter, fc.string({ maxLength: 10 }))
  .map(([before, control, after]) => `a${before}${control}${after}b`)

/** Numbers as a path or query may carry them: out of range, signed, fractional, in words. */
export const hostileNumberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    '0',
    '-1',
    '2147483647',
    '2147483648',
    '1e3',
    '0x10',
    ' 1',
    '1 ',
    '+1',
    '01',
    '١',
    'NaN',
    'Infinity',
    '9'.repeat(400),
    '1 OR 1=1',
    "1'; --",
  ),
)

/** Percent-encodes every byte of `text`'s UTF-8, or leaves it raw where `http.request` allows. */
export const encodedForUrl = (text: string) =>
  [...Buffer.from(text)]
    .map((byte) =>
      byte >= 0x21 && byte <= 0x7e && !'#?%&=/'.includes(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('')

/** One path segment as sent on the wire: encoded text, raw high bytes, bad escapes, dots. */
export const pathSegment = fc.oneof(
  hostileNumberText.map(encodedForUrl),
  hostileString.map(encodedForUrl),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) =>
    // Bytes 0x80-0xff go out raw (latin1): invalid UTF-8 in the request line itself.
    Buffer.from(bytes.map((b) => b | 0x80)).toString('latin1'),
  ),
  fc.constantFrom(
    '%',
    '%Z',
    '%C0%AF',
    '%00',
    '%2e%2e',
    '..',
    '.',
    '',
    '%2F',
    '\\',
    'a'.repeat(300),
  ),
)

/** Query parameter names: the real ones, prototype keys, brackets, and noise. */
export const queryKey = fc.oneof(
  fc.constantFrom('limit', 'after_id', 'user_id', 'status', 'id'),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'constructor[prototype][x]',
    '__proto__[x]',
    'limit[]',
  ),
  hostileString.map(encodedForUrl),
)

export const queryValue = fc.oneof(
  hostileNumberText.map(encodedForUrl),
  fc.constantFrom('pending', 'processing', 'processed', 'failed', 'PENDING', 'pending%00'),
  hostileString.map(encodedForUrl),
)

export const queryString = fc
  .array(fc.tuple(queryKey, fc.option(queryValue, { nil: undefined })), { maxLength: 6 })
  .map((pairs) =>
    pairs.map(([key, value]) => (value === undefined ? key : `${key}=${value}`)).join('&'),
  )

/** Header values `http.request` will send: tab, visible ASCII and bytes 0x80-0xff. */
export const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc
    .uint8Array({ maxLength: 40 })
    .map((bytes) =>
      Buffer.from(bytes.map((b) => (b < 0x20 || b === 0x7f ? 0x20 + (b & 0x1f) : b))).toString(
        'latin1',
      ),
    ),
  sqlText.map((s) => s.replace(/[^\t\x20-\x7e]/g, '?')),
  fc.constantFrom('', ' ', 'a'.repeat(10_240), '1'.repeat(10_240), 'application/json'),
)

/** Headers the services or the proxy read, and some they should merely carry. */
export const headerName = fc.constantFrom(
  'content-type',
  'accept',
  'accept-encoding',
  'accept-language',
  'idempotency-key',
  'x-request-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'authorization',
  'cookie',
  'if-none-match',
  'if-modified-since',
  'range',
  'origin',
  'user-agent',
  'traceparent',
  'tracestate',
  'baggage',
  'x-junk',
)

export const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 })

/** Nested arrays and objects `depth` levels deep, as JSON text. */
export const deeplyNested = fc
  .tuple(fc.integer({ min: 1, max: 100_000 }), fc.boolean())
  .map(([depth, asObjects]) =>
    asObjects
      ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
      : `${'['.repeat(depth)}${']'.repeat(depth)}`,
  )

/** JSON objects whose text carries a prototype-poisoning key, beside the real fields. */
export const poisonedObject = fc
  .tuple(
    fc.constantFrom(
      '"__proto__":{"admin":true}',
      '"constructor":{"prototype":{"admin":true}}',
      '"__proto__":null',
      '"\\u005f_proto__":{}',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(
    ([poison, other]) =>
      `{${poison},"user_id":1,"item":"x","quantity":1,"other":${JSON.stringify(other)}}`,
  )
