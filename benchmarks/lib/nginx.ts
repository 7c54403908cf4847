import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type Child, startChild } from './child.js'

const run = promisify(execFile)

/** The nginx binary, or undefined when it is not installed. */
export async function findNginx(): Promise<string | undefined> {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      await run(candidate, ['-v'])
      return candidate
    } catch {
      // Try the next place.
    }
  }
  return undefined
}

/**
 * A keep-alive reverse proxy as nginx's docs describe one: HTTP/1.1 to the upstream with an
 * idle connection cache, one worker (the gateway is one Node process too), and the access
 * log on but buffered, as the gateway also logs every request.
 */
export function nginxConfig(dir: string, port: number, upstreamPort: number) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`
}

export interface Nginx {
  child: Child
  /** Its prefix: configuration, logs, temporary files. */
  dir: string
  stop(): Promise<void>
}

/** nginx in the foreground with a throwaway prefix: nothing of the system's nginx is used. */
export async function startNginx(
  binary: string,
  port: number,
  upstreamPort: number,
): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'shop-bench-nginx-'))
  const config = join(dir, 'nginx.conf')
  await writeFile(config, nginxConfig(dir, port, upstreamPort))
  const child = startChild('nginx', binary, ['-p', dir, '-c', config, '-e', join(dir, 'error.log')])
  return {
    child,
    dir,
    async stop() {
      await child.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
