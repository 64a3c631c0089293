// The prober: one check of one service, over HTTP(S) with undici or over TCP with node:net.
// Every probe is bounded: a deadline covers connect, headers and body; at most 64 KiB of body is read
// and the rest discarded; the connection is always released. Connections go through the guarded connector.
import type { lookup as dnsLookup } from 'node:dns'
import { connect as netConnect, isIP, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { Agent, interceptors, type Dispatcher } from 'undici'
import { bareHost, type TargetGuard } from '../../shared/target-guard.js'
import { createGuardedConnector } from '../../shared/adapters/guarded-connector.js'
import { ProbeTimeout, classifyError, messageOf } from './probe-errors.js'
import type { ErrorClass, ProbeResult, ProbeTarget } from './probe-types.js'
import { checkBodyConditions, statusMatches } from './response-conditions.js'

export type { ErrorClass, JsonConditionSpec, ProbeResult, ProbeTarget, Verdict } from './probe-types.js'
export { checkBodyConditions, evalJsonPath, parseJsonPath, statusMatches } from './response-conditions.js'
export { classifyError } from './probe-errors.js'

export const MAX_BODY_BYTES = 64 * 1024

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

// What a health endpoint says of itself in a JSON body's top-level `status`, in the conventions of the
// client kit (UP / DEGRADED / DOWN), Spring Boot (UP, DOWN, OUT_OF_SERVICE), the IETF health-check
// draft (pass / warn / fail) and common ones (ok, healthy, unhealthy). Anything else says nothing.
const REPORTED_DEGRADED = new Set(['degraded', 'warn', 'warning'])
const REPORTED_DOWN = new Set(['down', 'fail', 'failed', 'failing', 'unhealthy', 'out_of_service', 'error', 'critical'])
/** The verdict a JSON body reports of its service, or null when it reports none (or up). */
export function reportedHealth (text: string): { verdict: 'degraded' | 'down', status: string } | null {
  if (text.length === 0 || text.length > MAX_BODY_BYTES) return null
  let body: unknown
  try { body = JSON.parse(text) } catch { return null }
  const status = (body as { status?: unknown } | null)?.status
  if (typeof status !== 'string' || status.length > 64) return null
  const key = status.trim().toLowerCase()
  if (REPORTED_DEGRADED.has(key)) return { verdict: 'degraded', status }
  if (REPORTED_DOWN.has(key)) return { verdict: 'down', status }
  return null
}

export function createProber (opts: ProberOptions) {
  const { guard } = opts
  const warnDays = opts.tlsExpiryWarnDays ?? 14
  const connector = createGuardedConnector({ guard, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, lookup: opts.lookup, tls: opts.tls })
  const agent = new Agent({ connect: connector.connect, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 })
  const redirecting: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }))

  function finish (target: ProbeTarget, at: number, latencyMs: number, httpStatus: number | null, failure: { errorClass: ErrorClass, message: string } | null, tlsDaysLeft: number | null, reported: string | null = null): ProbeResult {
    if (failure) return { at, verdict: 'down', latencyMs, httpStatus, errorClass: failure.errorClass, message: failure.message, cause: failure.errorClass, tlsDaysLeft }
    const tlsLimit = target.tlsExpiryDays ?? warnDays
    if (tlsDaysLeft !== null && tlsDaysLeft < tlsLimit) {
      return { at, verdict: 'degraded', latencyMs, httpStatus, errorClass: null, message: `TLS certificate expires in ${Math.floor(tlsDaysLeft)} days (limit ${tlsLimit})`, cause: 'tls-expiry', tlsDaysLeft }
    }
    if (reported !== null) {
      return { at, verdict: 'degraded', latencyMs, httpStatus, errorClass: null, message: `the service reports status "${reported}"`, cause: 'reported', tlsDaysLeft }
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
      // a JSON answer is read for the status it reports (reportedHealth), as well as for conditions
      const isJson = /\bjson\b/i.test(String(res.headers['content-type'] ?? ''))
      const wantText = target.bodyContains !== null || target.json.length > 0 || isJson
      for await (const chunk of res.body) {
        const buf = chunk as Buffer
        const room = MAX_BODY_BYTES - size
        if (wantText) chunks.push(buf.length > room ? buf.subarray(0, room) : buf)
        size += Math.min(buf.length, room)
        if (buf.length >= room) { truncated = true; break }
      }
      const latencyMs = performance.now() - t0
      const tlsDaysLeft = url.protocol === 'https:' ? connector.tlsDaysLeft(url) : null
      if (!statusMatches(res.statusCode, target.expectedStatus)) {
        return finish(target, at, latencyMs, httpStatus, { errorClass: 'status', message: `HTTP ${res.statusCode} is not an expected status (${target.expectedStatus.join(', ')})` }, tlsDaysLeft)
      }
      const text = wantText ? Buffer.concat(chunks).toString('utf8') : ''
      if (target.bodyContains !== null || target.json.length > 0) {
        const missed = checkBodyConditions(text, truncated, target)
        if (missed) return finish(target, at, latencyMs, httpStatus, { errorClass: 'condition', message: missed }, tlsDaysLeft)
      }
      const reported = isJson && !truncated ? reportedHealth(text) : null
      if (reported?.verdict === 'down') return finish(target, at, latencyMs, httpStatus, { errorClass: 'condition', message: `the service reports status "${reported.status}"` }, tlsDaysLeft)
      return finish(target, at, latencyMs, httpStatus, null, tlsDaysLeft, reported?.verdict === 'degraded' ? reported.status : null)
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

  function probeTcp (target: ProbeTarget, outer?: AbortSignal): Promise<ProbeResult> {
    const at = Date.now()
    const t0 = performance.now()
    const url = new URL(target.url)
    const host = bareHost(url.hostname)
    const port = Number(url.port)
    return new Promise((resolve) => {
      let settled = false
      // eslint-disable-next-line prefer-const -- settle() reads it, and may run before the connect assigns it
      let socket: Socket | undefined
      const settle = (failure: { errorClass: ErrorClass, message: string } | null) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        outer?.removeEventListener('abort', onOuter)
        socket?.destroy()
        resolve(finish(target, at, performance.now() - t0, null, failure, null))
      }
      const onOuter = () => settle({ errorClass: 'error', message: 'probe cancelled' })
      const timer = setTimeout(() => settle({ errorClass: 'timeout', message: `no connection within ${target.timeout} ms` }), target.timeout)
      outer?.addEventListener('abort', onOuter, { once: true })
      const refused = guard.refuseHost(host)
      if (refused) { settle({ errorClass: 'blocked', message: refused }); return }
      socket = netConnect({ host, port, lookup: isIP(host) ? undefined : connector.lookup })
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

export type Prober = ReturnType<typeof createProber>
