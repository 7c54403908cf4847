import type { BoardCredentials } from './options.js'
import type { Stack } from './stack.js'

function redacted(url: string) {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** What a person opens next, printed once when every process answers its readiness check. */
export function banner(stack: Stack, board: BoardCredentials) {
  const { urls } = stack
  const credentials = board.defaulted
    ? `user ${board.user}, password ${board.password}: local stack only`
    : `user ${board.user}, password from BULL_BOARD_PASSWORD`
  const { admin } = stack
  const adminPassword = admin.passwordFile
    ? `password in ${admin.passwordFile}`
    : 'password from SHOP_ADMIN_PASSWORD'
  const rows: [string, string][] = [
    ['gateway', urls.gateway],
    ['admin', `${admin.email}  (${adminPassword})`],
    ['API docs', urls.docs],
    ['user-service docs', `${urls.userService}/docs`],
    ['order-service docs', `${urls.orderService}/docs`],
    ['bull-board', `${urls.board}  (${credentials})`],
    ['metrics', `${urls.metrics.gateway}/metrics (gateway)`],
    ...(
      [
        ['user-service', urls.metrics.userService],
        ['order-service', urls.metrics.orderService],
        ...urls.metrics.workers.map((url, i) => [`worker-${i + 1}`, url]),
        ['bull-board', urls.metrics.board],
      ] as const
    ).map(([name, url]): [string, string] => ['', `${url}/metrics (${name})`]),
    ['PostgreSQL', redacted(stack.databaseUrl)],
    ['Redis', redacted(stack.redisUrl)],
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  return [
    '',
    'Distributed Shop is ready:',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    `Try: curl -X POST ${urls.gateway}/users -H 'content-type: application/json' \\`,
    `       -d '{"email":"ada@example.com","full_name":"Ada Lovelace","password":"correct horse battery"}'`,
    `     curl -X POST ${urls.gateway}/tokens -H 'content-type: application/json' \\`,
    `       -d '{"email":"ada@example.com","password":"correct horse battery"}'`,
    '     then send its access_token as  -H "authorization: Bearer <access_token>"',
    'Ctrl-C stops everything.',
    '',
  ].join('\n')
}
