// What agents can read as MCP resources: the fleet, one service (a template over the service names),
// the active alerts and the context registry, as JSON. A client of the 2026-07-28 revision that
// listens on a service's URI is told when its state changes (the plugin publishes the updates).
import type { Fleet } from './tool-kit.js'
import { describeService } from './tools/health.js'
import { contextSnapshot } from './tools/context.js'

export const RESOURCE_URIS = {
  fleet: 'mcp-server://fleet/services',
  alerts: 'mcp-server://alerts/active',
  context: 'mcp-server://context',
  /** RFC 6570 template of one service */
  service: 'mcp-server://services/{name}',
} as const

export const serviceUri = (name: string) => `mcp-server://services/${encodeURIComponent(name)}`

/** services a resources/list names one by one; the fleet resource has them all */
export const LISTED_SERVICES_MAX = 500

export async function readFleet (fleet: Fleet) {
  const r = fleet.health.checkServices()
  return {
    healthy: r.healthy,
    degraded: r.degraded,
    unhealthy: r.unhealthy,
    total: r.total,
    checkedAt: r.checkedAt,
    services: r.services.map((s) => ({ name: s.name, state: s.state, since: s.since, latencyMs: s.latencyMs, uri: serviceUri(s.name) })),
  }
}

export const readService = (fleet: Fleet, name: string) => describeService(fleet, name)

export const readAlerts = async (fleet: Fleet) => ({ alerts: await fleet.alerts.list({ state: 'active', limit: 200 }) })

export const readContext = (fleet: Fleet) => contextSnapshot(fleet, 50)

/** the services a resources/list names, each as its own resource */
export function listServices (fleet: Fleet) {
  return fleet.health.checkServices().services.slice(0, LISTED_SERVICES_MAX)
    .map((s) => ({ uri: serviceUri(s.name), name: `service ${s.name}`, description: `${s.name}: ${s.state}`, mimeType: 'application/json' }))
}
