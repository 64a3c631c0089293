// Prompts: the hub gathers what a model needs for a job into one message. triage_incident pulls a
// service's state, recent checks, incidents, alerts and events; fleet_report summarises the fleet
// over a window from the daily uptime rollups.
import type { Fleet } from './tool-kit.js'
import { describeService } from './tools/health.js'

export const FLEET_WINDOWS = { '24h': 1, '7d': 7, '30d': 30 } as const
export type FleetWindow = keyof typeof FLEET_WINDOWS

const json = (v: unknown) => '```json\n' + JSON.stringify(v, null, 2) + '\n```'

export async function triageIncident (fleet: Fleet, service: string): Promise<string> {
  const detail = await describeService(fleet, service)
  const [checks, incidents, alerts, events] = await Promise.all([
    fleet.health.history(service, { limit: 10 }),
    fleet.health.incidents(service, { limit: 5 }),
    fleet.alerts.list({ state: 'all', service, limit: 10 }),
    fleet.events.query({ source: service, limit: 15 }),
  ])
  return [
    `You are triaging the service "${service}" of our fleet. Using the data below, say what is wrong, since when, ` +
      'what the likely cause is (its checks, its dependencies, recent events), who or what is affected, and the next steps. ' +
      'Be specific and brief; say what you do not know.',
    '## State, probe and uptime', json(detail),
    '## Latest checks (newest first)', json(checks.checks.map((c) => ({ at: c.at, verdict: c.verdict, latencyMs: c.latencyMs, httpStatus: c.httpStatus, message: c.message }))),
    '## Incidents (newest first)', json(incidents.incidents),
    '## Alerts', json(alerts.map((a) => ({ id: a.id, status: a.status, severity: a.severity, firedAt: a.firedAt, resolvedAt: a.resolvedAt, acknowledged: a.acknowledged }))),
    `## Events from ${service} (newest first)`, json(events.events.map((e) => ({ time: e.time ?? e.receivedAt, type: e.type, severity: e.severity, payload: e.payload }))),
  ].join('\n\n')
}

export async function fleetReport (fleet: Fleet, window: FleetWindow): Promise<string> {
  const days = FLEET_WINDOWS[window]
  const now = fleet.health.checkServices()
  const rollups = await fleet.health.uptimeDays(days)
  const uptime = rollups.services.map((s) => {
    let checks = 0
    let up = 0
    let down = 0
    for (const [, c, u, , d] of s.days) { checks += c; up += u; down += d }
    return { name: s.name, checks, ratio: checks ? Math.round((up / checks) * 100_000) / 1000 : null, downChecks: down }
  })
  const worst = uptime.filter((u) => u.ratio !== null && u.ratio < 100).sort((a, b) => a.ratio! - b.ratio!).slice(0, 15)
  const since = Date.now() - days * 86_400_000
  const alerts = (await fleet.alerts.list({ state: 'all', limit: 200 })).filter((a) => Date.parse(String(a.firedAt)) >= since)
  return [
    `Write a short report on our fleet over the last ${window}: how healthy it was, which services had trouble and how much, ` +
      'what alerts fired, and what needs attention now. Use the figures below; do not invent others.',
    '## Now', json({ healthy: now.healthy, degraded: now.degraded, unhealthy: now.unhealthy, total: now.total, notUp: now.services.filter((s) => s.state !== 'up').map((s) => ({ name: s.name, state: s.state, since: s.since })) }),
    `## Least available services over ${window} (uptime %, from ${rollups.from})`, json(worst),
    `## Alerts fired in the window (${alerts.length})`, json(alerts.slice(0, 30).map((a) => ({ id: a.id, service: a.service, severity: a.severity, status: a.status, firedAt: a.firedAt, resolvedAt: a.resolvedAt }))),
  ].join('\n\n')
}
