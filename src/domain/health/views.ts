// What the API shows of services, checks, incidents and uptime, and the mappings from the in-memory
// and stored records to it (ISO times, rounded latencies).
import type { ServiceState } from '../shared/names.js'
import type { CheckRecord, IncidentRecord } from '../../store/ports/health.js'
import type { ErrorClass } from './adapters/probe-types.js'
import type { MonitoredService, ServiceSource } from './monitored-service.js'

export interface CheckView {
  seq?: number
  at: string
  verdict: CheckRecord['verdict']
  latencyMs: number
  httpStatus: number | null
  errorClass: ErrorClass | null
  message: string | null
  tlsDaysLeft: number | null
  /** taken in a maintenance window: not counted in uptime */
  maintenance: boolean
}

export interface ServiceStatusView {
  name: string
  url: string
  kind: string
  source: ServiceSource
  readOnly: boolean
  enabled: boolean
  state: ServiceState
  since: string | null
  latencyMs: number | null
  tags: string[]
  dependsOn: string[]
  lastCheck: CheckView | null
  incidentId: string | null
}

export interface IncidentView { id: string, service: string, kind: 'down' | 'degraded', cause: string | null, startedAt: string, endedAt: string | null }

export interface UptimeView { ratio: number | null, checks: number, up: number, degraded: number, down: number }

export interface CheckServicesView {
  healthy: number
  degraded: number
  unhealthy: number
  total: number
  checkedAt: string | null
  services: ServiceStatusView[]
}

export const iso = (ms: number) => new Date(ms).toISOString()

export function checkView (c: CheckRecord): CheckView {
  // the fields written out: a leading conditional spread made this 14× slower on Node 20, and the
  // fleet report builds one view per service (bench/README.md, the mcp suite)
  const view: CheckView = {
    at: iso(c.at),
    verdict: c.verdict,
    latencyMs: Math.round(c.latencyMs * 100) / 100,
    httpStatus: c.httpStatus,
    errorClass: c.errorClass as ErrorClass | null,
    message: c.message,
    tlsDaysLeft: c.tlsDaysLeft === null ? null : Math.floor(c.tlsDaysLeft * 10) / 10,
    maintenance: c.maintenance ?? false,
  }
  return c.seq === undefined ? view : { seq: c.seq, ...view }
}

export const incidentView = (i: IncidentRecord): IncidentView => ({
  id: i.id, service: i.service, kind: i.kind, cause: i.cause, startedAt: iso(i.startedAt), endedAt: i.endedAt === null ? null : iso(i.endedAt),
})

export function statusView (e: MonitoredService): ServiceStatusView {
  const s = e.state
  return {
    name: e.def.name,
    url: e.def.url,
    kind: e.def.kind,
    source: e.source,
    readOnly: e.source === 'file',
    enabled: e.def.enabled,
    // a service never checked and still unknown has no meaningful "since"
    state: s.state,
    since: s.lastCheck || s.state !== 'unknown' ? iso(s.since) : null,
    latencyMs: s.lastCheck ? Math.round(s.lastCheck.latencyMs * 100) / 100 : null,
    tags: e.def.tags,
    dependsOn: e.def.dependsOn,
    lastCheck: s.lastCheck ? checkView(s.lastCheck) : null,
    incidentId: s.incidentId,
  }
}
