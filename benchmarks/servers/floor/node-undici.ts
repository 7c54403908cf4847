/**
 * A floor under the gateway, not a proxy to run: Node's HTTP server handing each request to
 * the gateway's undici client (`UpstreamClient`) and writing the answer back, with no
 * framework, no proxy plugin and nothing else per request. Started as the stock proxy is
 * (`UPSTREAM_URL`, `PORT`), to be measured against it; see benchmarks/README.md.
 */
import { createServer } from 'node:http'
import { BufferedBody, UpstreamClient } from '../../../api-gateway/src/upstream-client.js'

const upstream = String(process.env.UPSTREAM_URL)
const client = new UpstreamClient({ connections: 128, headersTimeout: 10_000, bodyTimeout: 10_000 })

createServer((request, response) => {
  client.request(
    { origin: upstream, path: request.url ?? '/', method: 'GET', headers: request.headers },
    (error, answer) => {
      if (error || !answer) {
        response.statusCode = 502
        response.end()
        return
      }
      response.writeHead(answer.statusCode, answer.headers)
      response.end(answer.body instanceof BufferedBody ? answer.body.bytes : undefined)
    },
  )
}).listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => process.exit(0))
