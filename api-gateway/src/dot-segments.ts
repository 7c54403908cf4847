/**
 * `.` or `..` as a whole path segment, raw or percent-encoded (`%2e`), where an encoded
 * slash or a backslash also counts as a separator (some servers decode them) and a `;`
 * ends a segment (path parameters). `a..b` or `...` are ordinary names.
 */
const DOT_SEGMENT = /(?:^|\/|\\|%2f|%5c)(?:\.|%2e){1,2}(?:$|\/|\\|;|%2f|%5c)/i

/** True when the path part of `url` (query ignored) holds a dot segment. */
export function hasDotSegment(url: string) {
  const query = url.indexOf('?')
  return DOT_SEGMENT.test(query === -1 ? url : url.slice(0, query))
}
