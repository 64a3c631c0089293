// The alert engine: service transitions → alerts by per-service and aggregate rules, held back by
// silences, maintenance windows and down dependencies; the review of firing alerts; acknowledgement.
// Alert changes and the notices they queue are stored in one write, then published as `alert.changed`.
import type { Bus } from '../shared/bus.js'
import { conflict, notFound } from '../shared/errors.js'
import type { ServiceTransition } from '../health/topics.js'
import {
  acknowledgeAlert, alertStatus, changeSeverity, matchesService, openAlert, resolveAlert, reviewAlert, severityOf,
  type AlertRecord, type Step, type Suppression,
} from './alert-machine.js'
import { openWindowFor } from './maintenance-windows.js'
import { snapshot } from './notification.js'
import { durably, type StoreWrites } from './store-writes.js'
import type { LastServiceState, NotifierStore, OutboxItem } from '../../store/ports/notifier.js'
import type { AlertRuleT, MaintenanceWindowT, SilenceT } from '../../schemas/notifier.js'

export interface AlertEngineOptions {
  store: NotifierStore
  bus: Bus
  log: { error (o: object, m: string): void, info (o: object, m: string): void }
  writes: StoreWrites
  nextId (now: number): string
  /** reminder interval of rules that set none */
  repeatIntervalMs: number
  rules: { specs (): AlertRuleT[], spec (id: string): AlertRuleT | undefined }
  silences (): SilenceT[]
  windows (): MaintenanceWindowT[]
  /** notices were stored in the outbox: the worker groups and sends them */
  queued (): void
  /** whether any of these channels exists and is enabled */
  delivers (channelIds: readonly string[]): boolean
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()

/** An alert as the API shows it. */
export function alertView (a: AlertRecord) {
  return {
    id: a.id,
    ruleId: a.ruleId,
    service: a.service,
    services: a.services,
    severity: a.severity,
    status: alertStatus(a),
    suppressedBy: a.suppressedBy,
    cause: a.cause,
    incidentId: a.incidentId,
    firedAt: iso(a.firedAt)!,
    resolvedAt: iso(a.resolvedAt),
    firingSent: a.firingSent,
    lastNotifiedAt: iso(a.lastNotifiedAt),
    reminders: a.reminders,
    acknowledged: a.acknowledged ? { by: a.acknowledged.by, at: iso(a.acknowledged.at)!, comment: a.acknowledged.comment } : null,
    channels: a.channels,
  }
}

/** What one decision changes: stored together, then published. */
interface Changes { alerts: AlertRecord[], items: OutboxItem[], published: Step[] }
const noChanges = (): Changes => ({ alerts: [], items: [], published: [] })

/** Loads the last service states and the firing alerts; follows transitions once started. */
export async function openAlertEngine (o: AlertEngineOptions) {
  const { store, bus, log, writes, nextId, rules } = o
  const lastStates = new Map<string, LastServiceState>((await store.serviceStates()).map((s) => [s.service, s]))
  // the services whose last state carries a severity (down, degraded): the only ones an aggregate rule
  // counts, so that evaluating aggregates on each transition costs the troubled services, not the fleet
  const troubled = new Set<string>()
  const track = (s: LastServiceState) => { if (severityOf(s.state as never)) troubled.add(s.service); else troubled.delete(s.service) }
  for (const s of lastStates.values()) track(s)
  /** firing alerts by rule id + subject (service name, or '*' for an aggregate rule) */
  const open = new Map<string, AlertRecord>()
  const keyOf = (a: Pick<AlertRecord, 'ruleId' | 'service'>) => `${a.ruleId}\u0000${a.service ?? '*'}`
  for (const a of await store.openAlerts()) open.set(keyOf(a), a)
  // follows transitions only between start() and stop(): on the leader
  let closed = true
  let unsubscribe = () => {}

  function activeSilence (service: string, tags: readonly string[], now: number): SilenceT | undefined {
    return o.silences().find((s) => Date.parse(s.startsAt) <= now && now < Date.parse(s.endsAt) && matchesService(s, service, tags))
  }

  /** Whether a maintenance window covers the service at `at` (health excludes that time from uptime); tags default to the last ones seen. */
  function inMaintenance (service: string, at: number | Date = Date.now(), tags?: readonly string[]): boolean {
    return openWindowFor(o.windows(), service, tags ?? lastStates.get(service)?.tags ?? [], typeof at === 'number' ? at : at.getTime()) !== undefined
  }

  function suppressionOf (service: string, now: number): Suppression | null {
    const s = lastStates.get(service)
    const tags = s?.tags ?? []
    if (activeSilence(service, tags, now)) return 'silence'
    if (openWindowFor(o.windows(), service, tags, now)) return 'maintenance'
    if ((s?.dependsOn ?? []).some((d) => lastStates.get(d)?.state === 'down')) return 'dependency'
    return null
  }

  /** Aggregate alerts count unhealthy services that are neither silenced nor in maintenance. */
  function unhealthyFor (rule: AlertRuleT, now: number): LastServiceState[] {
    return [...troubled].map((name) => lastStates.get(name)!).filter((s) => {
      const sev = severityOf(s.state as never)
      if (!sev || !rule.severities!.includes(sev) || !matchesService(rule, s.service, s.tags)) return false
      const sup = suppressionOf(s.service, now)
      return sup !== 'silence' && sup !== 'maintenance'
    })
  }

  /** Takes a step of the alert machine: the open set changes now, the store and the bus at commit. */
  function applyStep (changes: Changes, before: AlertRecord | undefined, step: Step, now: number) {
    const a = step.alert
    if (a.state === 'firing') open.set(keyOf(a), a)
    else open.delete(keyOf(a))
    if (before !== a) { changes.alerts.push(a); changes.published.push(step) }
    if (step.notice) {
      for (const channelId of a.channels) {
        changes.items.push({ id: nextId(now), channelId, alertId: a.id, snapshot: snapshot(a, step.notice), createdAt: now })
      }
    }
  }

  /** Stores the changes (and the service's new state) in one write; only then publishes them and wakes the outbox. */
  function commit (changes: Changes, serviceState?: LastServiceState): Promise<void> {
    if (!serviceState && changes.alerts.length === 0 && changes.items.length === 0) return Promise.resolve()
    return writes.track(durably(() => store.record({ serviceState, alerts: changes.alerts, items: changes.items })).then(() => {
      for (const step of changes.published) {
        bus.publish('alert.changed', { alert: step.alert, status: alertStatus(step.alert), notice: step.notice })
        logNotice(step)
      }
      if (changes.items.length) o.queued()
    }, (err) => { log.error({ err }, 'notifier: storing alert changes failed') }))
  }

  /**
   * Firing alerts are logged at error level, so that `grep -i error` on the hub's log finds them even when
   * no channel delivers them; resolutions at info.
   */
  function logNotice ({ alert: a, notice }: Step) {
    if (notice !== 'firing' && notice !== 'resolved') return
    const alert = { id: a.id, ruleId: a.ruleId, service: a.service, services: a.services, severity: a.severity, cause: a.cause }
    const delivered = o.delivers(a.channels)
    if (notice === 'resolved') log.info({ alert, delivered }, 'alert resolved')
    else log.error({ alert, delivered }, delivered ? 'alert firing' : 'alert firing (no notification channel delivers it; see GET /notifications/delivery-status)')
  }

  function evaluateAggregates (changes: Changes, now: number) {
    for (const rule of rules.specs()) {
      if (rule.kind !== 'aggregate') continue
      const current = open.get(`${rule.id}\u0000*`)
      const unhealthy = unhealthyFor(rule, now)
      const services = unhealthy.map((s) => s.service).sort()
      if (unhealthy.length > (rule.threshold ?? 0)) {
        const severity = unhealthy.some((s) => s.state === 'down') ? 'critical' : 'warning'
        if (!current) {
          applyStep(changes, undefined, openAlert({ id: nextId(now), ruleId: rule.id, service: null, services, severity, cause: null, incidentId: null, channels: rule.channels ?? [], suppressedBy: null, now }), now)
        } else {
          const sevChanged = current.severity !== severity
          if (!sevChanged && current.services.join('\u0000') === services.join('\u0000')) continue
          const step = sevChanged ? changeSeverity(current, severity, null, null, now) : { alert: current, notice: null }
          applyStep(changes, current, { alert: { ...step.alert, services }, notice: step.notice }, now)
        }
      } else if (current) {
        applyStep(changes, current, resolveAlert(current, now), now)
      }
    }
  }

  // Aggregate rules are evaluated once for all the transitions of one turn of the event loop (a batch
  // of checks is stored, then its transitions published, together): evaluated on each transition, they
  // cost the troubled services once per transition, quadratic when thousands of services change at once.
  let aggregatesDue: Promise<void> | null = null
  function evaluateAggregatesSoon () {
    aggregatesDue ??= writes.track(new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      aggregatesDue = null
      if (closed) return
      const changes = noChanges()
      evaluateAggregates(changes, Date.now())
      return commit(changes)
    }))
  }

  function followTransition (t: ServiceTransition) {
    if (closed) return
    const now = Date.now()
    const at = Date.parse(t.at)
    const state: LastServiceState = { service: t.service, state: t.to, tags: t.tags ?? [], dependsOn: t.dependsOn ?? [], at: Number.isFinite(at) ? at : now }
    lastStates.set(t.service, state)
    track(state)
    const changes = noChanges()
    const sev = severityOf(t.to)
    for (const rule of rules.specs()) {
      if (rule.kind === 'aggregate' || !matchesService(rule, t.service, state.tags)) continue
      const current = open.get(`${rule.id}\u0000${t.service}`)
      const wanted = sev && rule.severities!.includes(sev) ? sev : null
      if (current && !wanted) applyStep(changes, current, resolveAlert(current, now), now)
      else if (current && wanted) applyStep(changes, current, changeSeverity(current, wanted, t.cause, suppressionOf(t.service, now), now), now)
      else if (wanted) {
        applyStep(changes, undefined, openAlert({
          id: nextId(now),
          ruleId: rule.id,
          service: t.service,
          services: [t.service],
          severity: wanted,
          cause: t.cause,
          incidentId: t.incidentId,
          channels: rule.channels ?? [],
          suppressedBy: suppressionOf(t.service, now),
          now,
        }), now)
      }
    }
    void commit(changes, state)
    evaluateAggregatesSoon()
  }

  /** Suppressions lift and reminders fall due with time: every firing alert is looked at each tick. */
  function reviewOpenAlerts (now: number): Promise<void> {
    const changes = noChanges()
    for (const a of [...open.values()]) {
      const rule = rules.spec(a.ruleId)
      if (!rule) { applyStep(changes, a, resolveAlert(a, now), now); continue } // its rule was deleted
      if (a.service === null) continue // aggregates are re-evaluated below; they repeat like the others
      const step = reviewAlert(a, suppressionOf(a.service, now), rule.repeatIntervalMs ?? o.repeatIntervalMs, now)
      applyStep(changes, a, step, now)
    }
    evaluateAggregates(changes, now)
    for (const a of [...open.values()]) {
      if (a.service !== null) continue
      const rule = rules.spec(a.ruleId)
      applyStep(changes, a, reviewAlert(a, null, rule?.repeatIntervalMs ?? o.repeatIntervalMs, now), now)
    }
    return commit(changes)
  }

  return {
    start () { closed = false; unsubscribe(); unsubscribe = bus.subscribe('service.transition', followTransition) },
    stop () { closed = true; unsubscribe() },
    /** Takes up an alert another instance changed (an acknowledgement through a follower). */
    async refresh (id: string) {
      const a = await store.getAlert(id)
      const key = a && keyOf(a)
      if (a && key && open.get(key)?.id === id && a.resolvedAt === null) open.set(key, a)
    },
    /** Re-reads the last service states and the firing alerts: another instance led meanwhile. */
    async reload () {
      const [states, alerts] = await Promise.all([store.serviceStates(), store.openAlerts()])
      lastStates.clear()
      for (const s of states) lastStates.set(s.service, s)
      open.clear()
      for (const a of alerts) open.set(keyOf(a), a)
    },
    inMaintenance,
    reviewOpenAlerts,
    firingCount: () => open.size,
    alerts: {
      async list (f: { state?: 'active' | 'resolved' | 'all', service?: string, limit: number }) {
        return (await store.alerts({ state: f.state === 'all' ? undefined : f.state, service: f.service, limit: f.limit })).map(alertView)
      },
      async get (id: string) {
        const a = await store.getAlert(id)
        if (!a) throw notFound(`no alert with id ${id}`)
        return alertView(a)
      },
      async acknowledge (id: string, by: string, comment: string | null) {
        // an instance that does not lead keeps no firing alerts in memory: the stored one is current
        const stored = closed ? await store.getAlert(id) : undefined
        const current = closed ? (stored && stored.resolvedAt === null ? stored : undefined) : [...open.values()].find((a) => a.id === id)
        if (!current) {
          if (await store.getAlert(id)) throw conflict(`alert ${id} is resolved`)
          throw notFound(`no alert with id ${id}`)
        }
        const acked = acknowledgeAlert(current, by, comment, Date.now())
        if (!closed) open.set(keyOf(acked), acked)
        await writes.track(store.record({ alerts: [acked] }))
        bus.publish('alert.changed', { alert: acked, status: alertStatus(acked), notice: null })
        return alertView(acked)
      },
    },
  }
}

export type AlertEngine = Awaited<ReturnType<typeof openAlertEngine>>
