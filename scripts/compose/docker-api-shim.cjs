#!/usr/bin/env node
// Docker API shim in front of `podman system service`, started by setup-engine.sh.
// Fills gaps of Podman 4.3's Docker-compatible API that Compose v2 relies on:
//
//  1. Host port ranges. `ports: ["18002-18003:8002"]` reaches the engine as
//     HostPort "18002-18003"; Docker binds a free port of the range, Podman
//     fails ("strconv.Atoi: parsing ..."; podman issue #15111). The shim
//     rewrites POST /containers/create to one free port of the range.
//  2. Healthchecks. Podman schedules them with systemd timers; with no systemd
//     they never run, so `depends_on: condition: service_healthy` and
//     `up --wait` hang. The shim runs each running container's healthcheck
//     itself (libpod's GET /containers/{id}/healthcheck) at its interval.
//  3. Healthcheck arguments. A `["CMD", ...]` test whose arguments hold spaces is
//     split apart by Podman's create; the shim passes it on as CMD-SHELL instead.
//  4. Bridge MAC address. netavark 1.4 leaves the bridge's address to the kernel, which
//     changes it as containers join and cuts the others off from the gateway for up to
//     a minute; the shim pins it after each container start.
//
// Everything else is passed through untouched (hijacked attach/exec streams too).
//
//   node docker-api-shim.cjs LISTEN_SOCKET PODMAN_SOCKET
'use strict'
const { execFile } = require('node:child_process')
const http = require('node:http')
const net = require('node:net')
const dgram = require('node:dgram')
const fs = require('node:fs')

const [listenPath, upstreamPath] = process.argv.slice(2)
if (!listenPath || !upstreamPath) {
  console.error('usage: docker-api-shim.cjs LISTEN_SOCKET PODMAN_SOCKET')
  process.exit(2)
}
const log = (...a) => console.error(new Date().toISOString(), ...a)

// ---------------------------------------------------------------- upstream helpers
function upstreamJSON(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = http.request(
      {
        socketPath: upstreamPath,
        method,
        path,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          if (res.statusCode >= 400)
            return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))
          try {
            resolve(text ? JSON.parse(text) : null)
          } catch (e) {
            reject(e)
          }
        })
      },
    )
    req.on('error', reject)
    req.setTimeout(120000, () => req.destroy(new Error(`${method} ${path}: timeout`)))
    if (data) req.write(data)
    req.end()
  })
}

// ---------------------------------------------------------------- 1. port ranges
// "proto/port" -> expiry ms: ports handed out to a container that the list may not show
// yet (Podman can answer a create before the new container appears in it). Dropped once
// the list shows the port, or when it expires (a container removed before that).
const reserved = new Map()
const RESERVATION_MS = 60_000

function canBind(proto, hostIp, port) {
  return new Promise((resolve) => {
    const host = hostIp || '0.0.0.0'
    if (proto === 'udp') {
      const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
      s.once('error', () => resolve(false))
      s.bind(port, host, () => s.close(() => resolve(true)))
      return
    }
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)))
  })
}

async function portsInUseByContainers() {
  const used = new Set()
  const list = await upstreamJSON('GET', '/v1.41/containers/json?all=true')
  for (const c of list || []) {
    for (const p of c.Ports || []) if (p.PublicPort) used.add(`${p.Type || 'tcp'}/${p.PublicPort}`)
  }
  return used
}

let portLock = Promise.resolve()
function withPortLock(fn) {
  const run = portLock.then(fn, fn)
  portLock = run.catch(() => {})
  return run
}

/** Rewrites ranges to single ports; returns the reserved keys (empty: nothing changed). */
async function rewritePortRanges(body) {
  const chosenKeys = []
  const pb = body?.HostConfig?.PortBindings
  if (!pb) return chosenKeys
  let used = null
  const now = Date.now()
  for (const [k, v] of reserved) if (v < now) reserved.delete(k)
  for (const [cport, bindings] of Object.entries(pb)) {
    const proto = (cport.split('/')[1] || 'tcp').toLowerCase()
    for (const b of bindings || []) {
      const m = /^(\d+)-(\d+)$/.exec(String(b.HostPort || ''))
      if (!m) continue
      if (!used) {
        used = await portsInUseByContainers()
        for (const key of used) reserved.delete(key)
      }
      const lo = Number(m[1]),
        hi = Number(m[2])
      let chosen = 0
      for (let p = lo; p <= hi && !chosen; p++) {
        const key = `${proto}/${p}`
        if (used.has(key) || reserved.has(key)) continue
        if (await canBind(proto, b.HostIp, p)) chosen = p
      }
      if (!chosen) {
        const err = new Error(`all ports are allocated in range ${lo}-${hi} (${proto})`)
        err.status = 500
        throw err
      }
      reserved.set(`${proto}/${chosen}`, now + RESERVATION_MS)
      chosenKeys.push(`${proto}/${chosen}`)
      log(`port range ${lo}-${hi} -> ${chosen} for ${cport}`)
      b.HostPort = String(chosen)
    }
  }
  return chosenKeys
}

// ---------------------------------------------------------------- healthcheck arguments
// Podman 4.3's compat create joins a `["CMD", ...]` healthcheck with spaces and splits it
// again, so an argument holding a space (`node -e "fetch(...).then((r) => ...)"`) arrives
// in pieces. The same command as CMD-SHELL, each argument single-quoted, survives.
const shellQuote = (arg) => `'${String(arg).replaceAll("'", "'\\''")}'`
function rewriteHealthcheck(body) {
  const test = body?.Healthcheck?.Test
  if (!Array.isArray(test) || test[0] !== 'CMD' || !test.slice(1).some((a) => /\s/.test(a)))
    return false
  body.Healthcheck.Test = ['CMD-SHELL', test.slice(1).map(shellQuote).join(' ')]
  return true
}

// ---------------------------------------------------------------- bridge MAC address
// A Linux bridge without an address of its own takes the lowest MAC of its ports, so
// it changes as containers join; the containers' ARP entries for the gateway then
// point at an address that no longer answers, and everything they send to the host
// (DNS to aardvark-dns, traffic leaving the network) is lost for up to a minute.
// Docker sets the bridge's address once; netavark 1.4 does not. After each container
// start the shim pins every bridge network's current address (setting it marks it
// as chosen, so the kernel stops recomputing it).
const ADDRESS_SET = '3' // NET_ADDR_SET in /sys/class/net/<if>/addr_assign_type

async function pinBridgeAddresses() {
  let networks
  try {
    networks = await upstreamJSON('GET', '/v4.0.0/libpod/networks/json')
  } catch (e) {
    return log('bridge addresses not pinned:', e.message)
  }
  for (const n of networks || []) {
    const dev = n.driver === 'bridge' ? n.network_interface : undefined
    if (!dev || !/^[\w.-]+$/.test(dev)) continue
    let type, address
    try {
      type = fs.readFileSync(`/sys/class/net/${dev}/addr_assign_type`, 'utf8').trim()
      address = fs.readFileSync(`/sys/class/net/${dev}/address`, 'utf8').trim()
    } catch {
      continue // not created yet: netavark makes the bridge on the first container start
    }
    if (type === ADDRESS_SET) continue
    await new Promise((resolve) => {
      execFile('ip', ['link', 'set', 'dev', dev, 'address', address], (error) => {
        if (error) log(`could not pin ${dev}'s address:`, error.message)
        else log(`pinned ${dev} (${n.name}) to ${address}`)
        resolve()
      })
    })
  }
}

// ---------------------------------------------------------------- proxy
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
])

// Podman leaves the address of a port published on all interfaces empty where
// Docker says 0.0.0.0 (`compose ps` then hides the mapping, `compose port`
// prints ":18002"): fill it in on container list / inspect answers.
const LIST = /^(\/v[\d.]+)?\/containers\/json(\?|$)/
const INSPECT = /^(\/v[\d.]+)?\/containers\/[^/?]+\/json(\?|$)/
function patchPortIPs(url, obj) {
  if (LIST.test(url) && Array.isArray(obj)) {
    for (const c of obj) for (const p of c?.Ports || []) if (p.PublicPort && !p.IP) p.IP = '0.0.0.0'
  } else if (INSPECT.test(url) && obj?.NetworkSettings?.Ports) {
    for (const bs of Object.values(obj.NetworkSettings.Ports))
      for (const b of bs || []) if (b?.HostPort && !b.HostIp) b.HostIp = '0.0.0.0'
  }
}

/** `beforeReply`: awaited after podman has answered and before the client hears of it. */
function forward(req, res, bodyBuf, beforeReply) {
  const headers = {}
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v
  if (bodyBuf) {
    headers['content-length'] = bodyBuf.length
  }
  const up = http.request(
    { socketPath: upstreamPath, method: req.method, path: req.url, headers },
    (ures) => {
      const h = {}
      for (const [k, v] of Object.entries(ures.headers)) if (!HOP.has(k)) h[k] = v
      const patch =
        req.method === 'GET' &&
        ures.statusCode === 200 &&
        (LIST.test(req.url) || INSPECT.test(req.url))
      if (patch || beforeReply) {
        const chunks = []
        ures.on('data', (c) => chunks.push(c))
        ures.on('end', async () => {
          let buf = Buffer.concat(chunks)
          if (patch) {
            try {
              const obj = JSON.parse(buf.toString())
              patchPortIPs(req.url, obj)
              buf = Buffer.from(`${JSON.stringify(obj)}\n`)
            } catch {
              /* pass through as is */
            }
          }
          if (beforeReply) await beforeReply(ures.statusCode)
          h['content-length'] = buf.length
          res.writeHead(ures.statusCode, ures.statusMessage, h)
          res.end(buf)
        })
        ures.on('error', () => res.destroy())
        return
      }
      res.writeHead(ures.statusCode, ures.statusMessage, h)
      if (typeof res.flushHeaders === 'function') res.flushHeaders()
      ures.pipe(res)
      ures.on('error', () => res.destroy())
    },
  )
  up.on('error', (e) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' })
    }
    res.end(JSON.stringify({ message: `docker-api-shim: upstream error: ${e.message}` }))
  })
  res.on('close', () => {
    if (!res.writableFinished) up.destroy()
  })
  if (bodyBuf) up.end(bodyBuf)
  else req.pipe(up)
}

const CREATE = /^(\/v[\d.]+)?\/containers\/create(\?|$)/
const START = /^(\/v[\d.]+)?\/containers\/[^/?]+\/start(\?|$)/

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && CREATE.test(req.url)) {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      let buf = Buffer.concat(chunks)
      try {
        const body = JSON.parse(buf.toString() || '{}')
        const ported = await withPortLock(() => rewritePortRanges(body))
        const checked = rewriteHealthcheck(body)
        if (ported.length > 0 || checked) buf = Buffer.from(JSON.stringify(body))
      } catch (e) {
        if (e.status) {
          res.writeHead(e.status, { 'content-type': 'application/json' })
          return res.end(JSON.stringify({ message: e.message }))
        }
        log('create body not rewritten:', e.message)
      }
      forward(req, res, buf)
    })
    return
  }
  if (req.method === 'POST' && START.test(req.url)) {
    return forward(req, res, null, (status) => status < 300 && pinBridgeAddresses())
  }
  forward(req, res, null)
})
server.requestTimeout = 0
server.headersTimeout = 0
server.keepAliveTimeout = 60000
server.timeout = 0

// Hijacked connections (attach, exec start: "Upgrade: tcp"): raw byte pipe.
server.on('upgrade', (req, socket, head) => {
  const up = net.connect(upstreamPath, () => {
    let h = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      h += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
    up.write(`${h}\r\n`)
    if (head?.length) up.write(head)
    socket.pipe(up)
    up.pipe(socket)
  })
  const close = () => {
    socket.destroy()
    up.destroy()
  }
  up.on('error', close)
  socket.on('error', close)
  up.on('close', () => socket.end())
  socket.on('close', () => up.end())
})

// ---------------------------------------------------------------- 2. healthchecks
const hc = new Map() // id -> { interval ms, startPeriod ms, next ms, running bool } or null (no healthcheck)

async function healthTick() {
  let list
  try {
    list = await upstreamJSON('GET', '/v1.41/containers/json')
  } catch {
    return
  }
  const seen = new Set()
  const now = Date.now()
  for (const c of list || []) {
    const id = c.Id
    seen.add(id)
    if (!hc.has(id)) {
      try {
        const info = await upstreamJSON('GET', `/v1.41/containers/${id}/json`)
        const t = info?.Config?.Healthcheck
        const test = t?.Test
        if (!test?.length || test[0] === 'NONE') hc.set(id, null)
        else {
          const interval = Math.max(1000, Math.round((t.Interval || 30e9) / 1e6))
          // first check right away (Docker runs the first one after `interval`;
          // earlier is harmless and makes `up --wait` faster)
          hc.set(id, {
            interval,
            next: now + Math.min(interval, 1000),
            running: false,
            name: c.Names?.[0],
          })
        }
      } catch {
        continue
      }
    }
    const e = hc.get(id)
    if (!e || e.running || e.next > now) continue
    e.running = true
    upstreamJSON('GET', `/v4.0.0/libpod/containers/${id}/healthcheck`)
      .catch(() => {})
      .finally(() => {
        e.running = false
        e.next = Date.now() + e.interval
      })
  }
  for (const id of hc.keys()) if (!seen.has(id)) hc.delete(id)
}
let ticking = false
setInterval(() => {
  if (ticking) return
  ticking = true
  healthTick().finally(() => {
    ticking = false
  })
}, 1000)

// ---------------------------------------------------------------- start
try {
  fs.unlinkSync(listenPath)
} catch {}
server.listen(listenPath, () => {
  fs.chmodSync(listenPath, 0o660)
  log(`docker-api-shim listening on ${listenPath} -> ${upstreamPath}`)
})
const stop = () => {
  server.close()
  try {
    fs.unlinkSync(listenPath)
  } catch {}
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
