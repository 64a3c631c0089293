// The alert state machine: pure functions from (alert, what happened, now) to (new alert, what to
// send). No I/O, no clock of its own. The notifier applies the results and writes them to the outbox.
//
// Rules it keeps:
// - an alert fires on down (critical) or degraded (warning) and resolves when the service recovers;
// - while suppressed (a dependency is down, a silence or a maintenance window) nothing is sent;
//   when the suppression lifts and the alert still fires, the firing message goes out then;
// - a resolution is sent for every alert whose firing message was sent, suppressed or not, so a
//   receiver never keeps a phantom open alert;
// - reminders repeat every `repeatMs` while firing, unsuppressed and not acknowledged.
import type { ServiceState } from '../shared/names.js'
import type { AlertSeverity } from '../../schemas/notifier.js'

export type Suppression = 'dependency' | 'silence' | 'maintenance'
export type Notice = 'firing' | 'resolved' | 'reminder'
export type AlertStatus = 'firing' | 'acknowledged' | 'suppressed' | 'silenced' | 'maintenance' | 'resolved'

export interface AlertRecord {
  id: string
  ruleId: string
  /** null for an aggregate rule */
  service: string | null
  services: string[]
  severity: AlertSeverity
  state: 'firing' | 'resolved'
  suppressedBy: Suppression | null
  cause: string | null
  incidentId: string | null
  /** ms */
  firedAt: number
  resolvedAt: number | null
  firingSent: boolean
  lastNotifiedAt: number | null
  reminders: number
  acknowledged: { by: string, at: number, comment: string | null } | null
  channels: string[]
}

export interface Step { alert: AlertRecord, notice: Notice | null }

/** The alert severity a service state calls for, or null when the state needs no alert. */
export function severityOf (state: ServiceState): AlertSeverity | null {
  if (state === 'down') return 'critical'
  if (state === 'degraded') return 'warning'
  return null
}

export interface OpenInput {
  id: string
  ruleId: string
  service: string | null
  services: string[]
  severity: AlertSeverity
  cause: string | null
  incidentId: string | null
  channels: string[]
  suppressedBy: Suppression | null
  now: number
}

export function openAlert (i: OpenInput): Step {
  const send = i.suppressedBy === null
  return {
    alert: {
      id: i.id,
      ruleId: i.ruleId,
      service: i.service,
      services: i.services,
      severity: i.severity,
      state: 'firing',
      suppressedBy: i.suppressedBy,
      cause: i.cause,
      incidentId: i.incidentId,
      firedAt: i.now,
      resolvedAt: null,
      firingSent: send,
      lastNotifiedAt: send ? i.now : null,
      reminders: 0,
      acknowledged: null,
      channels: i.channels,
    },
    notice: send ? 'firing' : null,
  }
}

/** The service moved between down and degraded while the alert fires: a new severity is news. */
export function changeSeverity (a: AlertRecord, severity: AlertSeverity, cause: string | null, suppressedBy: Suppression | null, now: number): Step {
  if (a.state !== 'firing' || a.severity === severity) return { alert: { ...a, cause: cause ?? a.cause, suppressedBy }, notice: null }
  const send = suppressedBy === null
  return {
    alert: { ...a, severity, cause: cause ?? a.cause, suppressedBy, firingSent: a.firingSent || send, lastNotifiedAt: send ? now : a.lastNotifiedAt, acknowledged: null },
    notice: send ? 'firing' : null,
  }
}

export function resolveAlert (a: AlertRecord, now: number): Step {
  if (a.state === 'resolved') return { alert: a, notice: null }
  return {
    alert: { ...a, state: 'resolved', resolvedAt: now, lastNotifiedAt: a.firingSent ? now : a.lastNotifiedAt },
    notice: a.firingSent ? 'resolved' : null,
  }
}

/**
 * The periodic review of a firing alert: takes the current suppression; sends the firing message
 * held back by a suppression that has lifted; sends a reminder when one is due.
 */
export function reviewAlert (a: AlertRecord, suppressedBy: Suppression | null, repeatMs: number, now: number): Step {
  if (a.state !== 'firing') return { alert: a, notice: null }
  const alert = a.suppressedBy === suppressedBy ? a : { ...a, suppressedBy }
  if (suppressedBy !== null) return { alert, notice: null }
  if (!alert.firingSent) return { alert: { ...alert, firingSent: true, lastNotifiedAt: now }, notice: 'firing' }
  if (reminderDue(alert, repeatMs, now)) return { alert: { ...alert, lastNotifiedAt: now, reminders: alert.reminders + 1 }, notice: 'reminder' }
  return { alert, notice: null }
}

export function reminderDue (a: AlertRecord, repeatMs: number, now: number): boolean {
  return a.state === 'firing' && a.firingSent && a.acknowledged === null && a.suppressedBy === null &&
    repeatMs > 0 && a.lastNotifiedAt !== null && now - a.lastNotifiedAt >= repeatMs
}

export function acknowledgeAlert (a: AlertRecord, by: string, comment: string | null, now: number): AlertRecord {
  return { ...a, acknowledged: { by, at: now, comment } }
}

export function alertStatus (a: AlertRecord): AlertStatus {
  if (a.state === 'resolved') return 'resolved'
  if (a.suppressedBy === 'dependency') return 'suppressed'
  if (a.suppressedBy === 'silence') return 'silenced'
  if (a.suppressedBy === 'maintenance') return 'maintenance'
  return a.acknowledged ? 'acknowledged' : 'firing'
}

export interface Matchable { services?: string[], tags?: string[] }

/** A service matches when its name is listed or it has a listed tag; with nothing listed, every service does. */
export function matchesService (m: Matchable, service: string, tags: readonly string[]): boolean {
  const names = m.services ?? []
  const wanted = m.tags ?? []
  if (names.length === 0 && wanted.length === 0) return true
  return names.includes(service) || tags.some((t) => wanted.includes(t))
}
