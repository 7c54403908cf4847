/** Upstreams that misbehave for real, on loopback, for the gateway's own answers. */
import { once } from 'node:events'
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'

export interface FaultyUpstream {
  url: string
  close(): Promise<void>
}

async function listen(onConnection: (socket: Socket) => void): Promise<FaultyUpstream> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onConnection(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

/** Accepts connections and reads requests, but never answers. */
export const hangingUpstream = () => listen((socket) => socket.resume())

/** Drops every connection as soon as a request's first bytes arrive. */
export const droppingUpstream = () =>
  listen((socket) => socket.once('data', () => socket.destroy()))

/** An address where nothing listens: a port taken, then given back. */
export async function unreachableUpstream(): Promise<string> {
  const upstream = await listen(() => {})
  await upstream.close()
  return upstream.url
}
