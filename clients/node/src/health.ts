// A /health handler for the hub's prober (docs/health.md). The hub judges an HTTP check by its status
// (2xx by default) and, when the service is declared with `json:` conditions, by fields of the body;
// slow answers are `degraded` past the service's `degradedAfterMs`. So the handler answers:
//   every check passes                   → 200 {"status":"UP","ok":true,...}
//   only non-critical checks fail        → 200 {"status":"DEGRADED","ok":true,...}   (the service still serves)
//   a critical check fails or times out  → 503 {"status":"DOWN","ok":false,...}      (the hub: down, class `status`)
// Each check runs with its own deadline, all at once, so one hanging database cannot hold the answer
// past the slowest deadline; the hub's probe timeout should be above it.
import type { IncomingMessage, ServerResponse } from 'node:http'

export type CheckFn = (signal: AbortSignal) => unknown | Promise<unknown>

export interface HealthCheck {
  /** e.g. `database`, `cache` */
  name: string
  /** passes unless it throws, rejects or returns `false`; the signal aborts at the deadline */
  check: CheckFn
  /** deadline of this check; default: the handler's timeoutMs */
  timeoutMs?: number
  /** a failing non-critical check makes the answer DEGRADED (200), a critical one DOWN (503); default true */
  critical?: boolean
}

export interface HealthOptions {
  checks?: HealthCheck[]
  /** default deadline per check; default 2000 ms */
  timeoutMs?: number
  /** named in the answer */
  service?: string
  version?: string
}

export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN'

export interface CheckOutcome { status: 'UP' | 'DOWN', critical: boolean, latencyMs: number, error?: string }

export interface HealthReport {
  status: HealthStatus
  ok: boolean
  service?: string
  version?: string
  uptimeSeconds: number
  checks: Record<string, CheckOutcome>
}

class CheckTimeout extends Error {}

async function runCheck (c: HealthCheck, defaultTimeout: number): Promise<CheckOutcome> {
  const critical = c.critical ?? true
  const timeoutMs = c.timeoutMs ?? defaultTimeout
  const ac = new AbortController()
  const t0 = performance.now()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new CheckTimeout(`no answer within ${timeoutMs} ms`)
      ac.abort(err)
      reject(err)
    }, timeoutMs)
  })
  try {
    const result = await Promise.race([Promise.resolve().then(() => c.check(ac.signal)), deadline])
    const latencyMs = Math.round(performance.now() - t0)
    if (result === false) return { status: 'DOWN', critical, latencyMs, error: 'check returned false' }
    return { status: 'UP', critical, latencyMs }
  } catch (err) {
    return { status: 'DOWN', critical, latencyMs: Math.round(performance.now() - t0), error: err instanceof Error ? err.message : String(err) }
  } finally {
    clearTimeout(timer)
  }
}

export function createHealth (opts: HealthOptions = {}) {
  const checks = opts.checks ?? []
  const timeoutMs = opts.timeoutMs ?? 2000
  const names = new Set<string>()
  for (const c of checks) {
    if (names.has(c.name)) throw new TypeError(`health check "${c.name}" is declared twice`)
    names.add(c.name)
  }
  const startedAt = Date.now()

  /** Runs every check now and says what the handler would answer. */
  async function evaluate (): Promise<HealthReport> {
    const outcomes = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)))
    const failed = outcomes.filter((o) => o.status === 'DOWN')
    const status: HealthStatus = failed.some((o) => o.critical) ? 'DOWN' : failed.length > 0 ? 'DEGRADED' : 'UP'
    return {
      status,
      ok: status !== 'DOWN',
      ...(opts.service ? { service: opts.service } : {}),
      ...(opts.version ? { version: opts.version } : {}),
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      checks: Object.fromEntries(checks.map((c, i) => [c.name, outcomes[i]])),
    }
  }

  const httpStatus = (r: HealthReport) => (r.status === 'DOWN' ? 503 : 200)

  /** Express (and plain node:http): `app.get('/health', health.express)`. */
  function express (_req: IncomingMessage, res: ServerResponse): void {
    void evaluate().then((report) => {
      const body = JSON.stringify(report)
      res.writeHead(httpStatus(report), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  }

  /** Fastify: `app.get('/health', health.fastify)`. */
  async function fastify (_req: unknown, reply: FastifyLikeReply): Promise<HealthReport> {
    const report = await evaluate()
    reply.code(httpStatus(report)).header('cache-control', 'no-store')
    return report
  }

  return { evaluate, express, fastify }
}

/** The two reply methods the Fastify handler uses (so the kit needs no Fastify types). */
export interface FastifyLikeReply {
  code (status: number): FastifyLikeReply
  header (name: string, value: string): FastifyLikeReply
}

export type Health = ReturnType<typeof createHealth>
