// What a notification says (the versioned payload every channel renders from) and how each channel
// type sends it. Outbound HTTP goes through the undici dispatcher the caller owns; email through
// nodemailer. No Fastify here.
import { createHmac } from 'node:crypto'
import { request, type Dispatcher } from 'undici'
import nodemailer from 'nodemailer'
import type { AlertRecord, Notice } from './alert-machine.js'
import { alertStatus } from './alert-machine.js'
import type { ChannelT } from '../../schemas/notifier.js'

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
    id: a.id, notice, status: alertStatus(a), rule: a.ruleId, service: a.service, services: a.services, severity: a.severity,
    cause: a.cause, incidentId: a.incidentId, firedAt: iso(a.firedAt)!, resolvedAt: iso(a.resolvedAt),
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

export interface SendResult { ok: boolean, statusCode: number | null, error: string | null, durationMs: number }
export interface SendDeps { dispatcher: Dispatcher, timeoutMs: number, userAgent: string }

async function post (url: string, body: string, headers: Record<string, string>, deps: SendDeps): Promise<SendResult> {
  const started = performance.now()
  try {
    const res = await request(url, {
      method: 'POST', body, headers: { 'user-agent': deps.userAgent, ...headers }, dispatcher: deps.dispatcher,
      signal: AbortSignal.timeout(deps.timeoutMs),
    })
    // keep a little of the answer for the log; redirects are not followed (undici's request does not)
    let text = ''
    for await (const chunk of res.body) { if (text.length < 500) text += chunk.toString() }
    const ok = res.statusCode >= 200 && res.statusCode < 300
    return { ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`, durationMs: performance.now() - started }
  } catch (err) {
    const e = err as Error & { code?: string }
    const message = e.name === 'TimeoutError' ? `no answer within ${deps.timeoutMs} ms` : `${e.code ?? e.name}: ${e.message}`
    return { ok: false, statusCode: null, error: message, durationMs: performance.now() - started }
  }
}

function alertmanagerAlerts (p: NotificationPayload): unknown[] {
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

async function sendEmail (c: Extract<ChannelT, { type: 'email' }>, p: NotificationPayload, deps: SendDeps): Promise<SendResult> {
  const started = performance.now()
  const tls = c.tls ?? 'starttls'
  const transport = nodemailer.createTransport({
    host: c.host, port: c.port, secure: tls === 'implicit', requireTLS: tls === 'starttls', ignoreTLS: tls === 'none',
    auth: c.user ? { user: c.user, pass: c.password ?? '' } : undefined,
    connectionTimeout: deps.timeoutMs, greetingTimeout: deps.timeoutMs, socketTimeout: deps.timeoutMs,
  })
  try {
    const info = await transport.sendMail({
      from: c.from, to: c.to, subject: p.title, text: p.text + '\n',
      headers: { 'X-MCP-Notification': p.id, 'X-MCP-Kind': p.kind },
    })
    const code = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250)
    return { ok: true, statusCode: code, error: null, durationMs: performance.now() - started }
  } catch (err) {
    const e = err as Error & { responseCode?: number, code?: string }
    return { ok: false, statusCode: e.responseCode ?? null, error: `${e.code ?? e.name}: ${e.message}`, durationMs: performance.now() - started }
  } finally {
    transport.close()
  }
}

/** Sends one payload through one channel; never throws. */
export async function sendNotification (c: ChannelT, p: NotificationPayload, deps: SendDeps): Promise<SendResult> {
  switch (c.type) {
    case 'webhook': {
      const body = c.template ? renderTemplate(c.template, p) : JSON.stringify(p)
      const timestamp = String(Math.floor(Date.now() / 1000))
      const headers: Record<string, string> = {
        ...(c.headers ?? {}),
        'content-type': c.contentType ?? 'application/json',
        'x-mcp-delivery': p.id,
        'x-mcp-event': p.kind,
        'x-mcp-timestamp': timestamp,
      }
      if (c.secret) headers['x-mcp-signature'] = signBody(c.secret, timestamp, body)
      return post(c.url, body, headers, deps)
    }
    case 'slack':
      return post(c.url, JSON.stringify({ text: p.text }), { 'content-type': 'application/json' }, deps)
    case 'alertmanager':
      return post(new URL('api/v2/alerts', c.url.endsWith('/') ? c.url : c.url + '/').toString(), JSON.stringify(alertmanagerAlerts(p)),
        { 'content-type': 'application/json', ...(c.bearerToken ? { authorization: `Bearer ${c.bearerToken}` } : {}) }, deps)
    case 'email':
      return sendEmail(c, p, deps)
  }
}
