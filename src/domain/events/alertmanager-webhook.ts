// Alertmanager's webhook body (version 4) as hub events: one event per alert, so that Prometheus alerts
// routed through Alertmanager land in the same log as the fleet's own events. Pure: no Fastify.
import type { EventInputT } from '../../schemas/events.js'
import type { Severity } from '../shared/names.js'

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations?: Record<string, string>
  startsAt: string
  endsAt?: string
  generatorURL?: string
  fingerprint?: string
}

export interface AlertmanagerWebhook {
  version: string
  groupKey?: string
  receiver?: string
  status?: string
  externalURL?: string
  alerts: AlertmanagerAlert[]
}

// Prometheus rules label severities by convention: critical, warning, info (error now and then)
const SEVERITY: Record<string, Severity> = { critical: 'FATAL', error: 'ERROR', warning: 'WARN', warn: 'WARN', info: 'INFO' }

/** RFC 3339 as the hub stores it (Alertmanager sends nanoseconds); as received when it does not parse. */
function normalTime (t: string): string {
  const ms = Date.parse(t)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : t
}

/**
 * One event per alert: type `alertmanager.firing` or `alertmanager.resolved`, source the alert's `service`
 * (else `job`, else "alertmanager"), the producer's time its start (firing) or end (resolved). The id
 * (fingerprint, status and that time) makes Alertmanager's repeats and retries idempotent.
 */
export function alertmanagerEvents (body: AlertmanagerWebhook): EventInputT[] {
  return body.alerts.map((a) => {
    const when = normalTime(a.status === 'resolved' && a.endsAt ? a.endsAt : a.startsAt)
    const source = a.labels.service || a.labels.job || 'alertmanager'
    const event: EventInputT = {
      type: `alertmanager.${a.status}`,
      source: source.slice(0, 200),
      severity: a.status === 'resolved' ? 'INFO' : (SEVERITY[(a.labels.severity ?? '').toLowerCase()] ?? 'WARN'),
      time: when,
      payload: {
        alertname: a.labels.alertname ?? null,
        status: a.status,
        labels: a.labels,
        annotations: a.annotations ?? {},
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? null,
        generatorURL: a.generatorURL ?? null,
        fingerprint: a.fingerprint ?? null,
        receiver: body.receiver ?? null,
        groupKey: body.groupKey ?? null,
        externalURL: body.externalURL ?? null,
      },
    }
    if (a.fingerprint) event.id = `${a.fingerprint}:${a.status}:${when}`.slice(0, 200)
    return event
  })
}
