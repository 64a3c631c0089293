// The notifier: turns service transitions into alerts, alerts into notices, notices into grouped
// messages in the outbox, and sends the outbox with retries. Everything it decides is written to the
// store before anything is sent, so a restart loses nothing. No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { Dispatcher } from 'undici'
import type { Bus } from '../shared/bus.js'
import type { ServiceTransition } from '../health/topics.js'
import {
  acknowledgeAlert, alertStatus, changeSeverity, matchesService, openAlert, resolveAlert, reviewAlert, severityOf,
  type AlertRecord, type AlertStatus, type Notice, type Step, type Suppression,
} from './alert-machine.js'
import { afterFailure, budgetOpensAt, type RetryPolicy } from './outbox-rules.js'
import { openWindowFor, windowOpen } from './maintenance-windows.js'
import { buildPayload, groupKind, sendNotification, snapshot, type AlertSnapshot, type SendResult } from './notification.js'
import { compileValidator } from '../shared/validation.js'
import { conflict, invalid, notFound } from '../shared/errors.js'
import { validateChannel, validateMaintenance, validateNotifierConfig, validateRule } from './definitions.js'
import { StoreOverloadedError } from '../../store/ports/store.js'
import type { LastServiceState, NewDelivery, NotifierDefinitionKind, NotifierStore, OutboxItem, OutboxMessage } from '../../store/ports/notifier.js'
import { SilenceInput, type AlertRuleT, type ChannelT, type MaintenanceWindowT, type SilenceInputT, type SilenceT } from '../../schemas/notifier.js'

declare module '../shared/bus.js' {
  interface BusTopics {
    /** an alert's change is stored; `notice` is what it queued to send */
    'alert.changed': { alert: AlertRecord, status: AlertStatus, notice: Notice | null }
  }
}

export interface NotifierSettings {
  groupWindowMs: number
  repeatIntervalMs: number
  retry: RetryPolicy
  rateBudget: number
  rateWindowMs: number
  tickMs: number
  sendTimeoutMs: number
  userAgent: string
}

export interface NotifierOptions {
  store: NotifierStore
  bus: Bus
  dispatcher: Dispatcher
  log: { info (o: object, m: string): void, warn (o: object, m: string): void, error (o: object, m: string): void }
  settings: NotifierSettings
  fromConfig: { channels?: ChannelT[], rules?: AlertRuleT[], maintenance?: MaintenanceWindowT[] }
}

type Source = 'config' | 'api'
interface Defined<T> { spec: T, source: Source }

export const SECRET_MASK = '********'
const silenceValidator = compileValidator<SilenceInputT>(SilenceInput)

/** Fields holding secrets, per channel type: write-only through the API. */
function maskChannel (c: ChannelT): ChannelT {
  switch (c.type) {
    case 'webhook': return {
      ...c,
      ...(c.secret ? { secret: SECRET_MASK } : {}),
      ...(c.headers ? { headers: Object.fromEntries(Object.keys(c.headers).map((k) => [k, SECRET_MASK])) } : {}),
    }
    case 'slack': return { ...c, url: `${new URL(c.url).origin}/${SECRET_MASK}` }
    case 'alertmanager': return c.bearerToken ? { ...c, bearerToken: SECRET_MASK } : c
    case 'email': return c.password ? { ...c, password: SECRET_MASK } : c
  }
}

/** An update that omits a secret or sends it masked keeps the stored one; '' clears it. */
function keepSecrets (old: ChannelT | undefined, next: ChannelT): ChannelT {
  if (!old || old.type !== next.type) return next
  const keep = (given: string | undefined, stored: string | undefined) => given === undefined || given === SECRET_MASK ? stored : (given === '' ? undefined : given)
  const out = { ...next } as Record<string, unknown>
  const o = old as Record<string, unknown>
  for (const f of ['secret', 'password', 'bearerToken'] as const) {
    if (f in o || f in out) { const v = keep(out[f] as string | undefined, o[f] as string | undefined); if (v === undefined) delete out[f]; else out[f] = v }
  }
  if (next.type === 'slack' && old.type === 'slack' && next.url === (maskChannel(old) as { url: string }).url) out.url = old.url
  if (next.type === 'webhook' && next.headers && old.type === 'webhook') {
    out.headers = Object.fromEntries(Object.entries(next.headers).map(([k, v]) => [k, v === SECRET_MASK ? old.headers?.[k] ?? '' : v]))
  }
  return out as ChannelT
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()

export function alertView (a: AlertRecord) {
  return {
    id: a.id, ruleId: a.ruleId, service: a.service, services: a.services, severity: a.severity, status: alertStatus(a),
    suppressedBy: a.suppressedBy, cause: a.cause, incidentId: a.incidentId, firedAt: iso(a.firedAt)!, resolvedAt: iso(a.resolvedAt),
    firingSent: a.firingSent, lastNotifiedAt: iso(a.lastNotifiedAt), reminders: a.reminders,
    acknowledged: a.acknowledged ? { by: a.acknowledged.by, at: iso(a.acknowledged.at)!, comment: a.acknowledged.comment } : null,
    channels: a.channels,
  }
}

export async function createNotifier (opts: NotifierOptions) {
  const { store, bus, dispatcher, log, settings } = opts
  const nextId = monotonicFactory()

  // Definitions: config-file ones (read-only here) and API ones (stored).
  const channels = new Map<string, Defined<ChannelT>>()
  const rules = new Map<string, Defined<AlertRuleT>>()
  const maintenance = new Map<string, Defined<MaintenanceWindowT>>()
  const silences = new Map<string, SilenceT>()
  const fromConfig = validateNotifierConfig(opts.fromConfig)
  for (const spec of fromConfig.channels) channels.set(spec.id, { spec, source: 'config' })
  for (const { id, spec } of await store.definitions('channel')) if (!channels.has(id)) channels.set(id, { spec: spec as ChannelT, source: 'api' })
  for (const spec of fromConfig.rules) rules.set(spec.id, { spec, source: 'config' })
  for (const { id, spec } of await store.definitions('rule')) if (!rules.has(id)) rules.set(id, { spec: spec as AlertRuleT, source: 'api' })
  for (const spec of fromConfig.maintenance) maintenance.set(spec.id, { spec, source: 'config' })
  for (const { id, spec } of await store.definitions('maintenance')) if (!maintenance.has(id)) maintenance.set(id, { spec: spec as MaintenanceWindowT, source: 'api' })
  for (const { id, spec } of await store.definitions('silence')) silences.set(id, spec as SilenceT)

  const lastStates = new Map<string, LastServiceState>((await store.serviceStates()).map((s) => [s.service, s]))
  /** firing alerts by rule id + subject (service name, or '*' for an aggregate rule) */
  const open = new Map<string, AlertRecord>()
  const keyOf = (a: Pick<AlertRecord, 'ruleId' | 'service'>) => `${a.ruleId}\u0000${a.service ?? '*'}`
  for (const a of await store.openAlerts()) open.set(keyOf(a), a)

  // Counts for metrics: deliveries by channel and outcome since start.
  const deliveryCounts = new Map<string, number>()
  const pendingWrites = new Set<Promise<unknown>>()
  const inFlight = new Set<string>()
  /** channels whose grouped notices are held back by the rate budget: the next message is a summary */
  const held = new Set<string>()
  let closed = false

  function track<T> (p: Promise<T>): Promise<T> {
    pendingWrites.add(p)
    p.then(() => pendingWrites.delete(p), () => pendingWrites.delete(p))
    return p
  }

  /** A write the notifier cannot answer 503 for (it has no caller): retried while the store is only busy. */
  async function durably<T> (write: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await write()
      } catch (err) {
        if (!(err instanceof StoreOverloadedError) || i >= 10) throw err
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** i)))
      }
    }
  }

  function activeSilence (service: string, tags: readonly string[], now: number): SilenceT | undefined {
    for (const s of silences.values()) {
      if (Date.parse(s.startsAt) <= now && now < Date.parse(s.endsAt) && matchesService(s, service, tags)) return s
    }
    return undefined
  }
  const windows = () => [...maintenance.values()].map((d) => d.spec)

  /** Whether a maintenance window covers the service at `at` (health excludes that time from uptime); tags default to the last ones seen. */
  function inMaintenance (service: string, at: number | Date = Date.now(), tags?: readonly string[]): boolean {
    return openWindowFor(windows(), service, tags ?? lastStates.get(service)?.tags ?? [], typeof at === 'number' ? at : at.getTime()) !== undefined
  }

  function suppressionOf (service: string, now: number): Suppression | null {
    const s = lastStates.get(service)
    const tags = s?.tags ?? []
    if (activeSilence(service, tags, now)) return 'silence'
    if (openWindowFor(windows(), service, tags, now)) return 'maintenance'
    if ((s?.dependsOn ?? []).some((d) => lastStates.get(d)?.state === 'down')) return 'dependency'
    return null
  }

  /** Aggregate alerts count unhealthy services that are neither silenced nor in maintenance. */
  function unhealthyFor (rule: AlertRuleT, now: number): LastServiceState[] {
    return [...lastStates.values()].filter((s) => {
      const sev = severityOf(s.state as never)
      if (!sev || !rule.severities!.includes(sev) || !matchesService(rule, s.service, s.tags)) return false
      const sup = suppressionOf(s.service, now)
      return sup !== 'silence' && sup !== 'maintenance'
    })
  }

  interface Changes { alerts: AlertRecord[], items: OutboxItem[], published: Step[] }
  const newChanges = (): Changes => ({ alerts: [], items: [], published: [] })

  function apply (changes: Changes, before: AlertRecord | undefined, step: Step, now: number) {
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

  function commit (changes: Changes, serviceState?: LastServiceState): Promise<void> {
    if (!serviceState && changes.alerts.length === 0 && changes.items.length === 0) return Promise.resolve()
    return track(durably(() => store.record({ serviceState, alerts: changes.alerts, items: changes.items })).then(() => {
      for (const step of changes.published) bus.publish('alert.changed', { alert: step.alert, status: alertStatus(step.alert), notice: step.notice })
      if (changes.items.length) wake()
    }, (err) => { log.error({ err }, 'notifier: storing alert changes failed') }))
  }

  function evaluateAggregates (changes: Changes, now: number) {
    for (const { spec: rule } of rules.values()) {
      if (rule.kind !== 'aggregate') continue
      const current = open.get(`${rule.id}\u0000*`)
      const unhealthy = unhealthyFor(rule, now)
      const services = unhealthy.map((s) => s.service).sort()
      if (unhealthy.length > (rule.threshold ?? 0)) {
        const severity = unhealthy.some((s) => s.state === 'down') ? 'critical' : 'warning'
        if (!current) {
          apply(changes, undefined, openAlert({ id: nextId(now), ruleId: rule.id, service: null, services, severity, cause: null, incidentId: null, channels: rule.channels, suppressedBy: null, now }), now)
        } else {
          const sevChanged = current.severity !== severity
          if (!sevChanged && current.services.join('\u0000') === services.join('\u0000')) continue
          const step = sevChanged ? changeSeverity(current, severity, null, null, now) : { alert: current, notice: null }
          apply(changes, current, { alert: { ...step.alert, services }, notice: step.notice }, now)
        }
      } else if (current) {
        apply(changes, current, resolveAlert(current, now), now)
      }
    }
  }

  function onTransition (t: ServiceTransition) {
    if (closed) return
    const now = Date.now()
    const at = Date.parse(t.at)
    const state: LastServiceState = { service: t.service, state: t.to, tags: t.tags ?? [], dependsOn: t.dependsOn ?? [], at: Number.isFinite(at) ? at : now }
    lastStates.set(t.service, state)
    const changes = newChanges()
    const sev = severityOf(t.to)
    for (const { spec: rule } of rules.values()) {
      if (rule.kind === 'aggregate' || !matchesService(rule, t.service, state.tags)) continue
      const key = `${rule.id}\u0000${t.service}`
      const current = open.get(key)
      const wanted = sev && rule.severities!.includes(sev) ? sev : null
      if (current && !wanted) apply(changes, current, resolveAlert(current, now), now)
      else if (current && wanted) apply(changes, current, changeSeverity(current, wanted, t.cause, suppressionOf(t.service, now), now), now)
      else if (wanted) {
        apply(changes, undefined, openAlert({
          id: nextId(now), ruleId: rule.id, service: t.service, services: [t.service], severity: wanted, cause: t.cause,
          incidentId: t.incidentId, channels: rule.channels, suppressedBy: suppressionOf(t.service, now), now,
        }), now)
      }
    }
    evaluateAggregates(changes, now)
    void commit(changes, state)
  }

  /** Suppressions lift and reminders fall due with time: every firing alert is looked at each tick. */
  function reviewOpenAlerts (now: number) {
    const changes = newChanges()
    for (const a of [...open.values()]) {
      const rule = rules.get(a.ruleId)?.spec
      if (!rule) { apply(changes, a, resolveAlert(a, now), now); continue } // its rule was deleted
      if (a.service === null) continue // aggregates are re-evaluated below; they repeat like the others
      const step = reviewAlert(a, suppressionOf(a.service, now), rule.repeatIntervalMs ?? settings.repeatIntervalMs, now)
      apply(changes, a, step, now)
    }
    evaluateAggregates(changes, now)
    for (const a of [...open.values()]) {
      if (a.service !== null) continue
      const rule = rules.get(a.ruleId)?.spec
      apply(changes, a, reviewAlert(a, null, rule?.repeatIntervalMs ?? settings.repeatIntervalMs, now), now)
    }
    return commit(changes)
  }

  /** Groups due notices into one message per channel, within the channel's rate budget. */
  async function groupNotices (now: number) {
    const byChannel = new Map<string, OutboxItem[]>()
    for (const item of await store.pendingItems()) {
      const list = byChannel.get(item.channelId) ?? []
      list.push(item)
      byChannel.set(item.channelId, list)
    }
    for (const [channelId, items] of byChannel) {
      if (now < items[0].createdAt + settings.groupWindowMs) continue
      const budget = channels.get(channelId)?.spec.maxPerMinute ?? settings.rateBudget
      const times = await store.messageTimes(channelId, now - settings.rateWindowMs)
      if (budgetOpensAt(times, budget, settings.rateWindowMs, now) > 0) { held.add(channelId); continue }
      // one line per alert: its latest notice (a firing then resolved alert shows as resolved, with both times)
      const latest = new Map<string, AlertSnapshot>()
      for (const i of items) latest.set(i.alertId, i.snapshot as AlertSnapshot)
      const alerts = [...latest.values()]
      const kind = held.has(channelId) ? 'summary' : groupKind(alerts)
      const id = nextId(now)
      const message: OutboxMessage = {
        id, channelId, kind, payload: buildPayload(id, kind, channelId, now, alerts), alertIds: [...latest.keys()], status: 'pending',
        attempts: 0, createdAt: now, nextAttemptAt: now, sentAt: null, lastError: null,
      }
      await track(store.enqueue(message, items.map((i) => i.id)))
      held.delete(channelId)
    }
  }

  function count (channelId: string, outcome: string) {
    const k = `${channelId}\u0000${outcome}`
    deliveryCounts.set(k, (deliveryCounts.get(k) ?? 0) + 1)
  }

  /** One attempt at one message; logs it and decides what comes next. Never throws. */
  async function attempt (m: OutboxMessage, opts: { retry: boolean }): Promise<SendResult & { outcome: NewDelivery['outcome'] }> {
    const now = Date.now()
    const attemptNo = m.attempts + 1
    const channel = channels.get(m.channelId)?.spec
    let result: SendResult
    let outcome: NewDelivery['outcome']
    let update: Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'sentAt' | 'lastError'>
    if (opts.retry && now - m.createdAt > settings.retry.maxAgeMs) {
      // e.g. the hub was down longer than the maximum age: a notice that old is given up, not sent late
      result = { ok: false, statusCode: null, error: `older than the maximum age (${settings.retry.maxAgeMs} ms); not sent`, durationMs: 0 }
      outcome = 'expired'
      update = { status: 'expired', attempts: m.attempts, nextAttemptAt: m.nextAttemptAt, sentAt: null, lastError: result.error }
    } else if (!channel || channel.enabled === false) {
      result = { ok: false, statusCode: null, error: channel ? 'the channel is disabled' : 'the channel no longer exists', durationMs: 0 }
      outcome = 'abandoned'
      update = { status: 'abandoned', attempts: attemptNo, nextAttemptAt: m.nextAttemptAt, sentAt: null, lastError: result.error }
    } else {
      result = await sendNotification(channel, m.payload as never, { dispatcher, timeoutMs: settings.sendTimeoutMs, userAgent: settings.userAgent })
      const done = Date.now()
      if (result.ok) {
        outcome = 'success'
        update = { status: 'sent', attempts: attemptNo, nextAttemptAt: m.nextAttemptAt, sentAt: done, lastError: null }
      } else {
        const next = opts.retry ? afterFailure(m.createdAt, attemptNo, done, settings.retry) : { status: 'abandoned' as const }
        outcome = next.status === 'pending' ? 'failure' : next.status === 'expired' ? 'expired' : 'abandoned'
        update = { status: next.status, attempts: attemptNo, nextAttemptAt: next.status === 'pending' ? next.nextAttemptAt : m.nextAttemptAt, sentAt: null, lastError: result.error }
        log.warn({ channel: m.channelId, message: m.id, attempt: attemptNo, error: result.error, next: update.status }, 'notification attempt failed')
      }
    }
    count(m.channelId, outcome)
    try {
      await track(durably(() => store.recordAttempt({
        messageId: m.id, channelId: m.channelId, kind: m.kind, alertIds: m.alertIds, attempt: attemptNo, at: now, outcome,
        statusCode: result.statusCode, error: result.error, durationMs: Math.round(result.durationMs * 10) / 10,
      }, update)))
      if (update.status !== 'pending') wake() // the channel's next message may go now
    } catch (err) {
      // the send happened but its record did not: it stays pending and may be sent again (receivers dedupe on the message id)
      log.error({ err, message: m.id }, 'notifier: recording a delivery attempt failed')
    }
    return { ...result, outcome }
  }

  async function sendDue (now: number) {
    for (const m of await store.dueMessages(now, 100)) {
      if (inFlight.has(m.id)) continue
      inFlight.add(m.id)
      const p = attempt(m, { retry: true }).finally(() => inFlight.delete(m.id))
      track(p)
    }
  }

  let ticking: Promise<void> | null = null
  let again = false
  async function tick () {
    if (closed) return
    if (ticking) { again = true; return }
    ticking = (async () => {
      try {
        do {
          again = false
          const now = Date.now()
          await reviewOpenAlerts(now)
          await groupNotices(now)
          await sendDue(now)
        } while (again && !closed)
      } catch (err) {
        log.error({ err }, 'notifier tick failed')
      } finally {
        ticking = null
      }
    })()
    await ticking
  }
  let wakeTimer: NodeJS.Immediate | null = null
  function wake () {
    if (closed || wakeTimer) return
    wakeTimer = setImmediate(() => { wakeTimer = null; void tick() })
  }

  const unsubscribe = bus.subscribe('service.transition', onTransition)
  const timer = setInterval(() => { void tick() }, settings.tickMs)
  timer.unref()
  wake()

  // ---- definitions through the API ----
  function requireApi<T> (map: Map<string, Defined<T>>, what: string, id: string): Defined<T> {
    const d = map.get(id)
    if (!d) throw notFound(`no ${what} with id ${id}`)
    if (d.source === 'config') throw conflict(`${what} ${id} is defined in the config file; change it there`)
    return d
  }
  function checkRuleChannels (r: AlertRuleT) {
    r.channels.forEach((c, j) => { if (!channels.has(c)) throw invalid(`body/channels/${j}: no channel "${c}"`) })
  }
  async function put<T> (kind: NotifierDefinitionKind, map: Map<string, Defined<T>>, id: string, spec: T) {
    await track(store.putDefinition(kind, id, spec))
    map.set(id, { spec, source: 'api' })
  }

  const channelView = (d: Defined<ChannelT>) => ({ ...maskChannel(d.spec), source: d.source })
  const ruleView = (d: Defined<AlertRuleT>) => ({ ...d.spec, source: d.source })
  const maintenanceView = (d: Defined<MaintenanceWindowT>, now = Date.now()) => ({ ...d.spec, source: d.source, active: windowOpen(d.spec, now) })
  const silenceView = (s: SilenceT, now = Date.now()) => ({ ...s, active: Date.parse(s.startsAt) <= now && now < Date.parse(s.endsAt) })

  return {
    inMaintenance,
    settings,
    channels: {
      list: () => [...channels.values()].map(channelView),
      get (id: string) { const d = channels.get(id); if (!d) throw notFound(`no channel with id ${id}`); return channelView(d) },
      async create (body: unknown) {
        const spec = validateChannel(body, 'body')
        if (channels.has(spec.id)) throw conflict(`a channel with id ${spec.id} exists`)
        await put('channel', channels, spec.id, spec)
        return channelView(channels.get(spec.id)!)
      },
      async update (id: string, body: unknown) {
        const old = requireApi(channels, 'channel', id)
        const spec = keepSecrets(old.spec, validateChannel({ ...withoutView(body), id }, 'body'))
        await put('channel', channels, id, spec)
        return channelView(channels.get(id)!)
      },
      async remove (id: string) {
        requireApi(channels, 'channel', id)
        const user = [...rules.values()].find((r) => r.spec.channels.includes(id))
        if (user) throw conflict(`channel ${id} is used by alert rule ${user.spec.id}`)
        await track(store.deleteDefinition('channel', id))
        channels.delete(id)
      },
      /** Writes a test message to the outbox, sends it once, and answers with the attempt's result. */
      async test (id: string) {
        const d = channels.get(id)
        if (!d) throw notFound(`no channel with id ${id}`)
        const now = Date.now()
        const messageId = nextId(now)
        const message: OutboxMessage = {
          id: messageId, channelId: id, kind: 'test', payload: buildPayload(messageId, 'test', id, now, []), alertIds: [], status: 'pending',
          attempts: 0, createdAt: now, nextAttemptAt: now, sentAt: null, lastError: null,
        }
        inFlight.add(messageId)
        try {
          await track(store.enqueue(message, []))
          const r = await attempt(message, { retry: false })
          return { ok: r.ok, messageId, statusCode: r.statusCode, error: r.error, durationMs: Math.round(r.durationMs * 10) / 10 }
        } finally { inFlight.delete(messageId) }
      },
    },
    rules: {
      list: () => [...rules.values()].map(ruleView),
      get (id: string) { const d = rules.get(id); if (!d) throw notFound(`no alert rule with id ${id}`); return ruleView(d) },
      async create (body: unknown) {
        const spec = validateRule(body, 'body')
        if (rules.has(spec.id)) throw conflict(`an alert rule with id ${spec.id} exists`)
        checkRuleChannels(spec)
        await put('rule', rules, spec.id, spec)
        return ruleView(rules.get(spec.id)!)
      },
      async update (id: string, body: unknown) {
        requireApi(rules, 'alert rule', id)
        const spec = validateRule({ ...withoutView(body), id }, 'body')
        checkRuleChannels(spec)
        await put('rule', rules, id, spec)
        return ruleView(rules.get(id)!)
      },
      async remove (id: string) {
        requireApi(rules, 'alert rule', id)
        await track(store.deleteDefinition('rule', id))
        rules.delete(id)
        wake() // its firing alerts resolve on the next review
      },
    },
    maintenance: {
      list: () => [...maintenance.values()].map((d) => maintenanceView(d)),
      get (id: string) { const d = maintenance.get(id); if (!d) throw notFound(`no maintenance window with id ${id}`); return maintenanceView(d) },
      async create (body: unknown) {
        const spec = validateMaintenance(body, 'body')
        if (maintenance.has(spec.id)) throw conflict(`a maintenance window with id ${spec.id} exists`)
        await put('maintenance', maintenance, spec.id, spec)
        wake()
        return maintenanceView(maintenance.get(spec.id)!)
      },
      async update (id: string, body: unknown) {
        requireApi(maintenance, 'maintenance window', id)
        const spec = validateMaintenance({ ...withoutView(body), id }, 'body')
        await put('maintenance', maintenance, id, spec)
        wake()
        return maintenanceView(maintenance.get(id)!)
      },
      async remove (id: string) {
        requireApi(maintenance, 'maintenance window', id)
        await track(store.deleteDefinition('maintenance', id))
        maintenance.delete(id)
        wake()
      },
    },
    silences: {
      list: () => [...silences.values()].map((s) => silenceView(s)).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      get (id: string) { const s = silences.get(id); if (!s) throw notFound(`no silence with id ${id}`); return silenceView(s) },
      async create (body: unknown, author: string) {
        const s = checkSilence(body)
        const now = Date.now()
        const silence: SilenceT = {
          id: nextId(now), services: s.services ?? [], tags: s.tags ?? [], startsAt: new Date(s.startsAt ? Date.parse(s.startsAt) : now).toISOString(),
          endsAt: new Date(Date.parse(s.endsAt)).toISOString(), comment: s.comment, author, createdAt: new Date(now).toISOString(),
        }
        await track(store.putDefinition('silence', silence.id, silence))
        silences.set(silence.id, silence)
        wake()
        return silenceView(silence)
      },
      async update (id: string, body: unknown, author: string) {
        const old = silences.get(id)
        if (!old) throw notFound(`no silence with id ${id}`)
        const s = checkSilence(body)
        const silence: SilenceT = {
          ...old, services: s.services ?? [], tags: s.tags ?? [], startsAt: new Date(s.startsAt ? Date.parse(s.startsAt) : Date.parse(old.startsAt)).toISOString(),
          endsAt: new Date(Date.parse(s.endsAt)).toISOString(), comment: s.comment, author,
        }
        await track(store.putDefinition('silence', id, silence))
        silences.set(id, silence)
        wake()
        return silenceView(silence)
      },
      /** Retention: forgets silences that ended before `before` (ms). */
      async forgetEndedBefore (before: number) {
        const ended = [...silences.values()].filter((x) => Date.parse(x.endsAt) < before)
        for (const x of ended) { await track(store.deleteDefinition('silence', x.id)); silences.delete(x.id) }
        return ended.length
      },
      async remove (id: string) {
        if (!silences.has(id)) throw notFound(`no silence with id ${id}`)
        await track(store.deleteDefinition('silence', id))
        silences.delete(id)
        wake()
      },
    },
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
        const current = [...open.values()].find((a) => a.id === id)
        if (!current) {
          if (await store.getAlert(id)) throw conflict(`alert ${id} is resolved`)
          throw notFound(`no alert with id ${id}`)
        }
        const acked = acknowledgeAlert(current, by, comment, Date.now())
        open.set(keyOf(acked), acked)
        await track(store.record({ alerts: [acked] }))
        bus.publish('alert.changed', { alert: acked, status: alertStatus(acked), notice: null })
        return alertView(acked)
      },
    },
    deliveries: (f: { alertId?: string, channelId?: string, limit: number }) => store.deliveries(f),
    /** Counters for the metrics plugin: deliveries by channel and outcome since start, firing alerts, pending messages. */
    async stats () {
      return {
        deliveries: [...deliveryCounts].map(([k, n]) => { const [channel, outcome] = k.split('\u0000'); return { channel, outcome, count: n } }),
        firing: open.size,
        pendingMessages: await store.pendingCount(),
      }
    },
    /** Runs one review/group/send round now (the scheduler runs it every MCP_NOTIFIER_TICK_MS). */
    tick,
    async close () {
      closed = true
      unsubscribe()
      clearInterval(timer)
      if (wakeTimer) clearImmediate(wakeTimer)
      await ticking
      while (pendingWrites.size) await Promise.allSettled([...pendingWrites])
    },
  }
}

/** A body read back from GET may be sent to PUT as is: the read-only view fields are dropped. */
function withoutView (body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {}
  const { source: _source, active: _active, ...rest } = body as Record<string, unknown>
  return rest
}

function checkSilence (body: unknown): SilenceInputT {
  if (!silenceValidator.check(body)) throw invalid(silenceValidator.firstError(body, 'body')!)
  if (!(body.services?.length) && !(body.tags?.length)) throw invalid('body/services or body/tags must name at least one service or tag')
  const start = body.startsAt ? Date.parse(body.startsAt) : Date.now()
  if (!(Date.parse(body.endsAt) > start)) throw invalid('body/endsAt must be after startsAt')
  return body
}

export type Notifier = Awaited<ReturnType<typeof createNotifier>>
