import { startEcho } from './echo-upstream.js'

// A replica in a process of its own, so a test can SIGKILL it mid-traffic.
const echo = await startEcho({
  name: process.env.ECHO_NAME ?? 'echo',
  host: process.env.ECHO_HOST ?? '127.0.0.1',
  port: Number(process.env.ECHO_PORT ?? 0),
  ...(process.env.ECHO_BACKLOG ? { backlog: Number(process.env.ECHO_BACKLOG) } : {}),
})
process.stdout.write(`${JSON.stringify({ url: echo.url })}\n`)
