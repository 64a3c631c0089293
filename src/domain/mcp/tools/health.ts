// The health tools: the fleet, one service, its checks and incidents, pausing its probes.
import type { ServiceStatusView, CheckView } from '../../health/health-service.js'
import { cursorCodec } from '../../shared/cursor.js'
import { invalid } from '../../shared/errors.js'
import { IDEMPOTENT_WRITE, READ, define, type Fleet, type ToolDefinition } from '../tool-kit.js'

const offsetCursor = cursorCodec('m1.')
/** the failing services first */
const STATE_ORDER: Record<string, number> = { down: 0, degraded: 1, unknown: 2, up: 3, paused: 4 }

const serviceLine = (s: ServiceStatusView) => ({
  name: s.name,
  state: s.state,
  since: s.since,
  latencyMs: s.latencyMs,
  tags: s.tags,
  dependsOn: s.dependsOn,
  lastCheck: s.lastCheck ? checkLine(s.lastCheck) : null,
})
const checkLine = (c: CheckView) => ({ at: c.at, verdict: c.verdict, latencyMs: c.latencyMs, httpStatus: c.httpStatus, message: c.message })

/** a URL as an agent may see it: no user name or password */
function withoutCredentials (url: string): string {
  try {
    const u = new URL(url)
    if (!u.username && !u.password) return url
    u.username = ''
    u.password = ''
    return u.toString()
  } catch { return url }
}

/** One service as an agent sees it (get_service, the service resource, the triage prompt). */
export async function describeService (fleet: Fleet, name: string) {
  const d = await fleet.health.detail(name)
  const i = d.currentIncident
  return {
    service: serviceLine(d.status),
    probe: { url: withoutCredentials(d.definition.url), kind: d.definition.kind, intervalMs: d.definition.interval, timeoutMs: d.definition.timeout, enabled: d.definition.enabled },
    uptime: Object.fromEntries(Object.entries(d.uptime).map(([k, u]) => [k, { ratio: u.ratio, checks: u.checks }])),
    currentIncident: i ? { id: i.id, kind: i.kind, cause: i.cause, startedAt: i.startedAt } : null,
  }
}

export const HEALTH_TOOLS: readonly ToolDefinition[] = [
  define('check_services', {
    title: 'Check services',
    description: 'The fleet at a glance: how many services are healthy, degraded and down, and each service with its state and last check, the failing ones first. Pass refresh: true to probe them all now.',
    scope: 'read',
    annotations: READ,
    async run (a: { refresh?: boolean, state?: string, tag?: string, cursor?: string, limit: number }, fleet) {
      const report = a.refresh ? await fleet.health.refresh() : fleet.health.checkServices()
      let services = report.services
      if (a.state !== undefined) services = services.filter((s) => s.state === a.state)
      if (a.tag !== undefined) services = services.filter((s) => s.tags.includes(a.tag!))
      services = [...services].sort((x, y) => (STATE_ORDER[x.state] - STATE_ORDER[y.state]) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
      const from = a.cursor ? Number(offsetCursor.decodeText(a.cursor)) : 0
      if (!Number.isInteger(from) || from < 0) throw invalid('cursor is not one this tool gave')
      const page = services.slice(from, from + a.limit)
      return {
        healthy: report.healthy,
        degraded: report.degraded,
        unhealthy: report.unhealthy,
        total: report.total,
        checkedAt: report.checkedAt,
        services: page.map(serviceLine),
        nextCursor: from + a.limit < services.length ? offsetCursor.encode(String(from + a.limit)) : null,
      }
    },
  }),
  define('get_service', {
    title: 'Get a service',
    description: 'One service: its state, how it is probed, its uptime over 24 hours and 7, 30, 90 and 365 days, and its open incident if it has one.',
    scope: 'read',
    annotations: READ,
    run: (a: { service: string }, fleet) => describeService(fleet, a.service),
  }),
  define('service_history', {
    title: 'Service check history',
    description: "A service's checks, newest first: verdict, latency, HTTP status and message.",
    scope: 'read',
    annotations: READ,
    async run (a: { service: string, since?: string, until?: string, cursor?: string, limit: number }, fleet) {
      const h = await fleet.health.history(a.service, a)
      return { checks: h.checks.map(checkLine), nextCursor: h.nextCursor }
    },
  }),
  define('list_incidents', {
    title: 'List incidents',
    description: "A service's incidents (down or degraded spells), newest first, with their cause and when they ended.",
    scope: 'read',
    annotations: READ,
    async run (a: { service: string, cursor?: string, limit: number }, fleet) {
      return await fleet.health.incidents(a.service, a)
    },
  }),
  define('set_service_paused', {
    title: 'Pause or resume a service',
    description: 'Stops probing a service (during planned work, say) or starts again. Adding and removing services stays with the admin.',
    scope: 'services:write',
    annotations: IDEMPOTENT_WRITE,
    async run (a: { service: string, paused: boolean }, fleet) {
      const d = await fleet.health.patch(a.service, { enabled: !a.paused })
      return { name: d.status.name, state: d.status.state, enabled: d.status.enabled }
    },
  }),

]
