// What a notification says: the alert snapshot, the versioned payload every channel renders from, and
// the pure renderings of it (webhook template and signature, Alertmanager alerts). Sending is in
// adapters/senders.ts.
import { createHmac } from 'node:crypto'
import type { AlertRecord, Notice } from './alert-machine.js'
import { alertStatus } from './alert-machine.js'

export const PAYLOAD_VERSION = 1
export type MessageKind = Notice | 'summary' | 'test'

/** One alert as a notification carries it. */
export interface AlertSnapshot {
  id: string
  /** what this message says about the alert */
  notice: Notice
  status: string
  rule: string
  service: string | null
  services: string[]
  severity: string
  cause: string | null
  incidentId: string | null
  firedAt: string
  resolvedAt: string | null
  acknowledged: { by: string, at: string, comment: string | null } | null
}

/** The webhook body, version 1. `id` stays the same across retries: receivers deduplicate on it. */
export interface NotificationPayload {
  version: 1
  id: string
  kind: MessageKind
  channel: string
  createdAt: string
  title: string
  text: string
  alerts: AlertSnapshot[]
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()

export function snapshot (a: AlertRecord, notice: Notice): AlertSnapshot {
  return {
    id: a.id,
    notice,
    status: alertStatus(a),
    rule: a.ruleId,
    service: a.service,
    services: a.services,
    severity: a.severity,
    cause: a.cause,
    incidentId: a.incidentId,
    firedAt: iso(a.firedAt)!,
    resolvedAt: iso(a.resolvedAt),
    acknowledged: a.acknowledged ? { by: a.acknowledged.by, at: iso(a.acknowledged.at)!, comment: a.acknowledged.comment } : null,
  }
}

const URGENCY: Notice[] = ['firing', 'reminder', 'resolved']

/** A grouped message's kind: the most urgent notice it carries (firing > reminder > resolved). */
export function groupKind (alerts: AlertSnapshot[]): Notice {
  return URGENCY.find((n) => alerts.some((a) => a.notice === n)) ?? 'firing'
}

const subject = (a: AlertSnapshot) => a.service ?? `${a.services.length} unhealthy service(s): ${a.services.join(', ')}`

export function buildPayload (id: string, kind: MessageKind, channel: string, createdAt: number, alerts: AlertSnapshot[]): NotificationPayload {
  const counts = URGENCY.map((n) => [n, alerts.filter((a) => a.notice === n).length] as const).filter(([, c]) => c > 0)
  const title = kind === 'test'
    ? 'MCP Server test notification'
    : `[${kind.toUpperCase()}] ${counts.map(([n, c]) => `${c} ${n}`).join(', ')}${kind === 'summary' ? ' (rate budget reached: summary of held notifications)' : ''}`
  const lines = kind === 'test'
    ? ['This is a test message from MCP Server; the channel works.']
    : alerts.map((a) => `- ${a.notice.toUpperCase()} ${subject(a)} (${a.severity}${a.cause ? `, ${a.cause}` : ''})${a.acknowledged ? ` ack by ${a.acknowledged.by}` : ''}`)
  return { version: PAYLOAD_VERSION, id, kind, channel, createdAt: new Date(createdAt).toISOString(), title, text: [title, ...lines].join('\n'), alerts }
}

/** `{{path}}` → the value at that dotted path (objects as JSON); `{{json path}}` → always JSON (quoted strings). */
export function renderTemplate (template: string, payload: NotificationPayload): string {
  return template.replace(/\{\{\s*(json\s+)?([A-Za-z0-9_.]+)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
    let v: unknown = payload
    for (const key of path.split('.')) v = v != null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined
    if (json) return JSON.stringify(v ?? null)
    if (v === undefined || v === null) return ''
    return typeof v === 'object' ? JSON.stringify(v) : String(v)
  })
}

export function signBody (secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

/** The alerts in Alertmanager's v2 API shape; a test message is one short-lived alert. */
export function alertmanagerAlerts (p: NotificationPayload): unknown[] {
  if (p.kind === 'test') {
    const now = Date.parse(p.createdAt)
    return [{ labels: { alertname: 'MCPTestNotification', source: 'mcp-server', channel: p.channel }, annotations: { summary: p.title }, startsAt: p.createdAt, endsAt: new Date(now + 60_000).toISOString() }]
  }
  return p.alerts.map((a) => ({
    labels: {
      alertname: a.service === null ? 'FleetUnhealthy' : a.severity === 'critical' ? 'ServiceDown' : 'ServiceDegraded',
      severity: a.severity,
      rule: a.rule,
      source: 'mcp-server',
      ...(a.service !== null ? { service: a.service } : {}),
    },
    annotations: {
      summary: `${subject(a)} is ${a.severity === 'critical' ? 'down' : 'degraded'}`,
      description: `services: ${a.services.join(', ')}${a.cause ? `; cause: ${a.cause}` : ''}${a.acknowledged ? `; acknowledged by ${a.acknowledged.by}` : ''}`,
      alert_id: a.id,
    },
    startsAt: a.firedAt,
    // a resolution tells Alertmanager when it ended; a firing alert is kept alive by reminders
    ...(a.notice === 'resolved' ? { endsAt: a.resolvedAt ?? p.createdAt } : {}),
  }))
}
