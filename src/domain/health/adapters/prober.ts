// The prober: one check of one service, over HTTP(S) with undici or over TCP with node:net.
// Every probe is bounded: a deadline covers connect, headers and body; at most 64 KiB of body is read
// and the rest discarded; the connection is always released. Connections go through a connector that
// refuses metadata and non-allowed addresses after DNS, on the address actually connected to.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net'
import type { TLSSocket, ConnectionOptions } from 'node:tls'
import { isDeepStrictEqual } from 'node:util'
import { Agent, buildConnector, interceptors, type Dispatcher } from 'undici'
import { BlockedTargetError, bareHost, isMetadataAddress, type TargetGuard } from '../../shared/target-guard.js'

export const MAX_BODY_BYTES = 64 * 1024

export type ErrorClass = 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'status' | 'condition' | 'blocked' | 'error'
export type Verdict = 'up' | 'degraded' | 'down'

export interface JsonConditionSpec { path: string, equals?: unknown, exists?: boolean }

/** What the prober needs of a service definition. */
export interface ProbeTarget {
  kind: 'http' | 'tcp'
  url: string
  method: string
  headers: Record<string, string>
  body: string | null
  expectedStatus: Array<number | string>
  bodyContains: string | null
  json: JsonConditionSpec[]
  followRedirects: boolean
  timeout: number
  degradedAfterMs: number | null
  tlsExpiryDays: number | null
}

export interface ProbeResult {
  /** ms epoch when the probe started */
  at: number
  verdict: Verdict
  latencyMs: number
  httpStatus: number | null
  errorClass: ErrorClass | null
  /** why the check failed or is degraded; null when up */
  message: string | null
  /** 'latency' or 'tls-expiry' for degraded checks, the error class for failures */
  cause: string | null
  tlsDaysLeft: number | null
}

export interface ProberOptions {
  guard: TargetGuard
  /** cap on connection set-up, on top of each probe's own deadline */
  connectTimeoutMs?: number
  /** days below which an https certificate makes the service degraded (when the service sets none) */
  tlsExpiryWarnDays?: number
  /** DNS resolution; tests substitute a resolver, production uses the system's */
  lookup?: typeof dnsLookup
  /** extra TLS options (a private CA, for example) */
  tls?: ConnectionOptions
}

const DAY = 86_400_000

/** "2xx", "200-204" or 200 → does `status` match? */
export function statusMatches (status: number, specs: Array<number | string>): boolean {
  for (const s of specs) {
    if (typeof s === 'number') { if (status === s) return true; continue }
    if (/^[1-5]xx$/.test(s)) { if (Math.floor(status / 100) === Number(s[0])) return true; continue }
    const [lo, hi] = s.split('-').map(Number)
    if (status >= lo && status <= hi) return true
  }
  return false
}

/** Parses "a.b[0].c", "$.a.b.0.c" into path segments. */
export function parseJsonPath (path: string): string[] {
  const p = path.startsWith('$') ? path.slice(1) : path
  return p.replace(/\[(\d+)\]/g, '.$1').split('.').filter((s) => s.length > 0)
}

export function evalJsonPath (doc: unknown, path: string): { found: boolean, value?: unknown } {
  let cur: unknown = doc
  for (const seg of parseJsonPath(path)) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false }
    cur = (cur as Record<string, unknown>)[seg]
  }
  return { found: true, value: cur }
}

/** The first condition the body misses, or undefined when all hold. */
export function checkBodyConditions (text: string, truncated: boolean, target: Pick<ProbeTarget, 'bodyContains' | 'json'>): string | undefined {
  if (target.bodyContains !== null && !text.includes(target.bodyContains)) {
    return `body${truncated ? ' (first 64 KiB)' : ''} does not contain ${JSON.stringify(target.bodyContains)}`
  }
  if (target.json.length === 0) return undefined
  let doc: unknown
  try { doc = JSON.parse(text) } catch { return truncated ? 'body is over 64 KiB, too large for JSON conditions' : 'body is not JSON' }
  for (const c of target.json) {
    const r = evalJsonPath(doc, c.path)
    if (c.exists === true && !r.found) return `JSON path ${c.path} does not exist`
    if (c.exists === false && r.found) return `JSON path ${c.path} exists`
    if (c.equals !== undefined && (!r.found || !isDeepStrictEqual(r.value, c.equals))) {
      return `JSON path ${c.path} is ${r.found ? JSON.stringify(r.value) : 'missing'}, expected ${JSON.stringify(c.equals)}`
    }
  }
  return undefined
}

function codesOf (err: unknown): string[] {
  const codes: string[] = []
  const seen = new Set<unknown>()
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return
    seen.add(e)
    const x = e as { code?: unknown, name?: unknown, cause?: unknown, errors?: unknown[] }
    if (typeof x.code === 'string') codes.push(x.code)
    if (typeof x.name === 'string') codes.push(x.name)
    walk(x.cause)
    if (Array.isArray(x.errors)) x.errors.forEach(walk)
  }
  walk(err)
  return codes
}

/** Maps a network error to the error classes the API reports. */
export function classifyError (err: unknown): ErrorClass {
  const codes = codesOf(err)
  const has = (...c: string[]) => codes.some((x) => c.includes(x))
  if (err instanceof BlockedTargetError || has('ERR_PROBE_BLOCKED', 'BlockedTargetError')) return 'blocked'
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError', 'ERR_PROBE_TIMEOUT')) return 'timeout'
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME')) return 'dns'
  if (has('ECONNREFUSED')) return 'refused'
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || c.includes('CERT') || c === 'DEPTH_ZERO_SELF_SIGNED_CERT' || c === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || c === 'SELF_SIGNED_CERT_IN_CHAIN')) return 'tls'
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED')) return 'reset'
  return 'error'
}

class ProbeTimeout extends Error {
  override name = 'ProbeTimeout'
  readonly code = 'ERR_PROBE_TIMEOUT'
}

export function createProber (opts: ProberOptions) {
  const { guard } = opts
  const resolve = opts.lookup ?? dnsLookup
  const warnDays = opts.tlsExpiryWarnDays ?? 14
  // certificate expiry per origin, noted when a TLS connection is made (kept sockets reuse it)
  const certExpiry = new Map<string, number>()

  // DNS through the guard: every resolved address is checked before any connection is attempted.
  const guardedLookup = ((hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '')
      // any metadata address refuses the name outright; addresses outside the allow-list are dropped
      const list: LookupAddress[] = []
      let refusal: Error | undefined
      for (const a of addresses as LookupAddress[]) {
        if (isMetadataAddress(a.address)) return callback(new BlockedTargetError(`${hostname} resolves to ${a.address}, a cloud metadata address; probing it is refused`), options.all ? [] : '')
        try { guard.checkAddress(hostname, a.address); list.push(a) } catch (e) { refusal ??= e as Error }
      }
      if (list.length === 0) return callback(refusal ?? new BlockedTargetError(`${hostname} resolves to no address`), options.all ? [] : '')
      if (options.all) callback(null, list)
      else callback(null, list[0].address, list[0].family)
    })
  }) as unknown as LookupFunction

  const baseConnect = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000, lookup: guardedLookup, ...(opts.tls ?? {}) } as buildConnector.BuildOptions)

  const connector: buildConnector.connector = (options, callback) => {
    const refused = guard.refuseHost(options.hostname)
    if (refused) { callback(new BlockedTargetError(refused), null); return }
    baseConnect(options, (err, socket) => {
      if (err || !socket) { callback(err ?? new Error('no socket'), null); return }
      // the address really connected to, whatever resolved it
      try {
        guard.checkAddress(options.hostname, socket.remoteAddress ?? '')
      } catch (e) {
        socket.destroy()
        callback(e as Error, null)
        return
      }
      if (options.protocol === 'https:') {
        const cert = (socket as TLSSocket).getPeerCertificate?.()
        const validTo = cert?.valid_to ? Date.parse(cert.valid_to) : NaN
        if (Number.isFinite(validTo)) {
          if (certExpiry.size > 50_000) certExpiry.clear()
          certExpiry.set(`${options.hostname}:${options.port || 443}`, validTo)
        }
      }
      callback(null, socket)
    })
  }

  const agent = new Agent({ connect: connector, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 })
  const redirecting: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }))

  function finish (target: ProbeTarget, at: number, latencyMs: number, httpStatus: number | null, failure: { errorClass: ErrorClass, message: string } | null, tlsDaysLeft: number | null): ProbeResult {
    if (failure) return { at, verdict: 'down', latencyMs, httpStatus, errorClass: failure.errorClass, message: failure.message, cause: failure.errorClass, tlsDaysLeft }
    const tlsLimit = target.tlsExpiryDays ?? warnDays
    if (tlsDaysLeft !== null && tlsDaysLeft < tlsLimit) {
      return { at, verdict: 'degraded', latencyMs, httpStatus, errorClass: null, message: `TLS certificate expires in ${Math.floor(tlsDaysLeft)} days (limit ${tlsLimit})`, cause: 'tls-expiry', tlsDaysLeft }
    }
    if (target.degradedAfterMs !== null && latencyMs > target.degradedAfterMs) {
      return { at, verdict: 'degraded', latencyMs, httpStatus, errorClass: null, message: `answered in ${Math.round(latencyMs)} ms, above ${target.degradedAfterMs} ms`, cause: 'latency', tlsDaysLeft }
    }
    return { at, verdict: 'up', latencyMs, httpStatus, errorClass: null, message: null, cause: null, tlsDaysLeft }
  }

  async function probeHttp (target: ProbeTarget, outer?: AbortSignal): Promise<ProbeResult> {
    const at = Date.now()
    const t0 = performance.now()
    const url = new URL(target.url)
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(new ProbeTimeout(`no complete answer within ${target.timeout} ms`)), target.timeout)
    const onOuter = () => ac.abort(outer!.reason)
    outer?.addEventListener('abort', onOuter, { once: true })
    let httpStatus: number | null = null
    let body: Dispatcher.ResponseData['body'] | undefined
    try {
      const res = await (target.followRedirects ? redirecting : agent).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: target.method as Dispatcher.HttpMethod,
        headers: { 'user-agent': 'mcp-server-probe', ...target.headers },
        body: target.body ?? undefined,
        signal: ac.signal,
        headersTimeout: target.timeout,
        bodyTimeout: target.timeout,
      })
      body = res.body
      httpStatus = res.statusCode
      // Read at most MAX_BODY_BYTES; the rest is discarded by destroying the stream (and its socket).
      const chunks: Buffer[] = []
      let size = 0
      let truncated = false
      const wantText = target.bodyContains !== null || target.json.length > 0
      for await (const chunk of res.body) {
        const buf = chunk as Buffer
        const room = MAX_BODY_BYTES - size
        if (wantText) chunks.push(buf.length > room ? buf.subarray(0, room) : buf)
        size += Math.min(buf.length, room)
        if (buf.length >= room) { truncated = true; break }
      }
      const latencyMs = performance.now() - t0
      const tlsDaysLeft = url.protocol === 'https:' ? daysLeft(url) : null
      if (!statusMatches(res.statusCode, target.expectedStatus)) {
        return finish(target, at, latencyMs, httpStatus, { errorClass: 'status', message: `HTTP ${res.statusCode} is not an expected status (${target.expectedStatus.join(', ')})` }, tlsDaysLeft)
      }
      if (wantText) {
        const missed = checkBodyConditions(Buffer.concat(chunks).toString('utf8'), truncated, target)
        if (missed) return finish(target, at, latencyMs, httpStatus, { errorClass: 'condition', message: missed }, tlsDaysLeft)
      }
      return finish(target, at, latencyMs, httpStatus, null, tlsDaysLeft)
    } catch (err) {
      const latencyMs = performance.now() - t0
      const reason = ac.signal.aborted ? ac.signal.reason : err
      const errorClass = classifyError(reason)
      return finish(target, at, latencyMs, httpStatus, { errorClass, message: messageOf(reason) }, null)
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuter)
      // a body not read to its end is destroyed so its connection is released, never left hanging
      if (body && !body.readableEnded) body.destroy()
    }
  }

  function daysLeft (url: URL): number | null {
    const validTo = certExpiry.get(`${bareHost(url.hostname)}:${url.port || 443}`)
    return validTo === undefined ? null : (validTo - Date.now()) / DAY
  }

  function probeTcp (target: ProbeTarget, outer?: AbortSignal): Promise<ProbeResult> {
    const at = Date.now()
    const t0 = performance.now()
    const url = new URL(target.url)
    const host = bareHost(url.hostname)
    const port = Number(url.port)
    return new Promise((done) => {
      let settled = false
      let socket: Socket | undefined
      const settle = (failure: { errorClass: ErrorClass, message: string } | null) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        outer?.removeEventListener('abort', onOuter)
        socket?.destroy()
        done(finish(target, at, performance.now() - t0, null, failure, null))
      }
      const onOuter = () => settle({ errorClass: 'error', message: 'probe cancelled' })
      const timer = setTimeout(() => settle({ errorClass: 'timeout', message: `no connection within ${target.timeout} ms` }), target.timeout)
      outer?.addEventListener('abort', onOuter, { once: true })
      const refused = guard.refuseHost(host)
      if (refused) { settle({ errorClass: 'blocked', message: refused }); return }
      socket = netConnect({ host, port, lookup: isIP(host) ? undefined : guardedLookup })
      socket.once('connect', () => {
        try {
          guard.checkAddress(host, socket!.remoteAddress ?? '')
          settle(null)
        } catch (e) {
          settle({ errorClass: 'blocked', message: (e as Error).message })
        }
      })
      socket.once('error', (err) => settle({ errorClass: classifyError(err), message: messageOf(err) }))
    })
  }

  return {
    /** One check. Never throws: failures come back as a `down` result with an error class. */
    probe (target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
      return target.kind === 'tcp' ? probeTcp(target, signal) : probeHttp(target, signal)
    },
    /** Closes the agent's connections; probes under way fail. */
    async close () {
      await agent.destroy()
    },
  }
}

function messageOf (err: unknown): string {
  const e = err as { message?: string, code?: string, cause?: { message?: string, code?: string } }
  const base = e?.message || e?.code || String(err)
  const cause = e?.cause?.message || e?.cause?.code
  return (cause && !base.includes(cause) ? `${base}: ${cause}` : base).slice(0, 500)
}

export type Prober = ReturnType<typeof createProber>
