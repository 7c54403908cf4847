import { readFile } from 'node:fs/promises'

/** An address as /proc/net/tcp{,6} prints it (hex, 32-bit words in host byte order). */
function decode(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)),
  )
  if (bytes.length === 4) return bytes.join('.')
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  )
  return new URL(`http://[${groups.join(':')}]`).hostname
}

/** The local addresses of the host's sockets listening on `port`, e.g. `127.0.0.1`, `[::1]`. */
export async function listeners(port: number): Promise<string[]> {
  const found: string[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)
    for (const line of lines) {
      const [, local = '', , state] = line.trim().split(/\s+/)
      const [address = '', hexPort = ''] = local.split(':')
      if (state === '0A' && Number.parseInt(hexPort, 16) === port) found.push(decode(address))
    }
  }
  return found
}

/** The host's pids whose parent is `pid` (a container's init: the process it runs). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')
  return text.split(/\s+/).filter(Boolean).map(Number)
}
