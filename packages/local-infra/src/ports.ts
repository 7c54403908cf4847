import { createServer } from 'node:net'

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError'
}

/** A port the OS just handed out on 127.0.0.1, free at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', () =>
      reject(new PrerequisiteError(`port ${port} (${what}) is in use: free it or choose another`)),
    )
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolve()))
  })
}
