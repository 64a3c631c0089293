// The health service: the catalogue of monitored services (config file + API), the scheduler that
// probes them, the state machine that turns checks into states and incidents, history and uptime.
// No Fastify here: the plugin wires it to the store, the bus and the config file.
import { setMaxListeners } from 'node:events'
import { monotonicFactory } from 'ulidx'
import type { Bus } from '../shared/bus.js'
import type { ServiceState } from '../shared/names.js'
import type { ServiceTransition } from './topics.js'
import type { CheckRecord, DailyUptime, IncidentRecord, ServiceStateRecord, StateChange } from '../../store/ports/health.js'
import type { Store } from '../../store/ports/store.js'
import type { ServiceDefinitionT } from '../../schemas/health.js'
import { UPTIME_WINDOWS } from '../../schemas/health.js'
import { conflict, invalid, notFound } from '../shared/errors.js'
import { cursorCodec } from '../shared/cursor.js'
import type { ErrorClass, Prober, ProbeResult } from './adapters/prober.js'
import type { TargetGuard } from '../shared/target-guard.js'
import { createScheduler, spreadOffset } from './scheduler.js'
import { initialState, isIncidentState, nextState, pausedState } from './state-machine.js'
import { definitionAsInput, dependencyCycle, normaliseFileServices, normaliseService, parseDuration, unknownDependency } from './service-definitions.js'

const DAY = 86_400_000

export type ServiceSource = 'file' | 'api'

interface Entry {
  def: ServiceDefinitionT
  source: ServiceSource
  state: ServiceStateRecord
  createdAt: number
}

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

export interface HealthLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface HealthServiceOptions {
  store: Store
  bus: Bus
  prober: Prober
  guard: TargetGuard
  /** reads the config file's `services` list afresh (start and reload); undefined when there is none */
  loadFileServices: () => unknown
  /** checks are written in batches, at most this long after they finish (default 100 ms) */
  checkFlushMs?: number
  /** false: nothing is probed on a clock, only on refresh (an API-only instance, or tests) */
  schedule: boolean
  concurrency: number
  checksRetentionDays: number
  rollupsRetentionDays: number
  log: HealthLogger
  now?: () => number
  /** whether a service is in a maintenance window at a time (the notifier's windows) */
  inMaintenance?: (service: string, at: number, tags: readonly string[]) => boolean
}

const iso = (ms: number) => new Date(ms).toISOString()
const checkView = (c: CheckRecord): CheckView => ({
  ...(c.seq !== undefined ? { seq: c.seq } : {}),
  at: iso(c.at), verdict: c.verdict, latencyMs: Math.round(c.latencyMs * 100) / 100, httpStatus: c.httpStatus,
  errorClass: c.errorClass as ErrorClass | null, message: c.message, tlsDaysLeft: c.tlsDaysLeft === null ? null : Math.floor(c.tlsDaysLeft * 10) / 10,
  maintenance: c.maintenance ?? false,
})
const incidentView = (i: IncidentRecord): IncidentView => ({
  id: i.id, service: i.service, kind: i.kind, cause: i.cause, startedAt: iso(i.startedAt), endedAt: i.endedAt === null ? null : iso(i.endedAt),
})

const checkCursor = cursorCodec('h1.')
const incidentCursor = cursorCodec('i1.')

export function createHealthService (opts: HealthServiceOptions) {
  const { store, bus, prober, guard, log } = opts
  const now = opts.now ?? Date.now
  const nextId = monotonicFactory()
  const entries = new Map<string, Entry>()
  const stopping = new AbortController()
  // every probe under way listens for the hub closing
  setMaxListeners(0, stopping.signal)
  let started = false

  const scheduler = createScheduler({
    concurrency: opts.concurrency,
    run: (name) => runCheck(name),
    onError: (err, name) => log.error({ err, service: name }, 'recording a check failed'),
  })

  function schedule (e: Entry, firstDue?: number) {
    scheduler.remove(e.def.name)
    if (!opts.schedule || !e.def.enabled) return
    const t = now()
    const last = e.state.lastCheck?.at
    // resume where the checks were; new services spread over their interval so they do not fire together
    const due = firstDue ?? (last !== undefined && last + e.def.interval > t ? last + e.def.interval : t + spreadOffset(e.def.name, e.def.interval))
    scheduler.schedule(e.def.name, e.def.interval, due)
  }

  async function runCheck (name: string): Promise<void> {
    const entry = entries.get(name)
    if (!entry || !entry.def.enabled || stopping.signal.aborted) return
    const result = await prober.probe(entry.def, stopping.signal)
    // the service was changed, removed or the hub is closing while the probe ran: drop the result
    if (entries.get(name) !== entry || stopping.signal.aborted) return
    await recordResult(entry, result)
  }

  // Checks finish one by one; writing them in small batches keeps the writer thread to a few
  // transactions a second at thousands of services. A check's state change is published after its batch commits.
  const pendingChecks: Array<{ item: { check: CheckRecord, change: StateChange }, resolve: (seq: number) => void, reject: (err: unknown) => void }> = []
  let flushTimer: NodeJS.Timeout | null = null
  function queueCheck (check: CheckRecord, change: StateChange): Promise<number> {
    return new Promise((resolve, reject) => {
      pendingChecks.push({ item: { check, change }, resolve, reject })
      if (pendingChecks.length >= 500) flushChecks()
      else if (!flushTimer) flushTimer = setTimeout(flushChecks, opts.checkFlushMs ?? 100)
    })
  }
  function flushChecks () {
    if (flushTimer) { clearTimeout(flushTimer); flushTimer = null }
    const batch = pendingChecks.splice(0)
    if (batch.length === 0) return
    store.health.recordChecks(batch.map((b) => b.item)).then(
      (seqs) => batch.forEach((b, i) => b.resolve(seqs[i])),
      (err) => batch.forEach((b) => b.reject(err)),
    )
  }

  async function recordResult (entry: Entry, r: ProbeResult) {
    const name = entry.def.name
    const prev = entry.state
    const next = nextState(prev, r.verdict, entry.def, r.at)
    const check: CheckRecord = {
      service: name, at: r.at, verdict: r.verdict, latencyMs: r.latencyMs, httpStatus: r.httpStatus,
      errorClass: r.errorClass, message: r.message, tlsDaysLeft: r.tlsDaysLeft,
      maintenance: opts.inMaintenance?.(name, r.at, entry.def.tags) ?? false,
    }
    let transition: ServiceTransition | null = null
    let closeIncidentId: string | null = null
    let openIncident: IncidentRecord | null = null
    let incidentId = prev.incidentId
    if (next.state !== prev.state) {
      if (prev.incidentId) { closeIncidentId = prev.incidentId; incidentId = null }
      if (isIncidentState(next.state)) {
        openIncident = { id: nextId(r.at), service: name, kind: next.state, cause: r.cause, startedAt: r.at, endedAt: null }
        incidentId = openIncident.id
      }
      transition = {
        service: name, tags: entry.def.tags, dependsOn: entry.def.dependsOn, from: prev.state, to: next.state,
        at: iso(r.at), cause: isIncidentState(next.state) ? r.cause : null, incidentId: openIncident?.id ?? closeIncidentId,
      }
    }
    const state: ServiceStateRecord = { service: name, ...next, incidentId, lastCheck: check }
    entry.state = state
    const change: StateChange = { state, at: r.at, closeIncidentId, openIncident }
    const seq = await queueCheck(check, change)
    check.seq = seq
    bus.publish('service.checked', { service: name, verdict: check.verdict, latencyMs: check.latencyMs, errorClass: check.errorClass })
    if (transition) bus.publish('service.transition', transition)
  }

  async function storeStateChange (entry: Entry, to: ServiceStateRecord, cause: string | null) {
    const prev = entry.state
    const closeIncidentId = prev.incidentId
    entry.state = { ...to, incidentId: null, lastCheck: prev.lastCheck }
    await store.health.changeState({ state: entry.state, at: to.since, closeIncidentId })
    if (prev.state !== to.state) {
      bus.publish('service.transition', {
        service: entry.def.name, tags: entry.def.tags, dependsOn: entry.def.dependsOn, from: prev.state, to: to.state,
        at: iso(to.since), cause, incidentId: closeIncidentId,
      })
    }
  }

  /** Puts a new or changed definition in place, carrying its state over and pausing or resuming it. */
  async function install (def: ServiceDefinitionT, source: ServiceSource, createdAt: number, stored?: ServiceStateRecord) {
    const old = entries.get(def.name)
    const t = now()
    const entry: Entry = { def, source, createdAt, state: old?.state ?? stored ?? { service: def.name, ...initialState(t), incidentId: null, lastCheck: null } }
    entries.set(def.name, entry)
    if (!def.enabled && entry.state.state !== 'paused') await storeStateChange(entry, { service: def.name, ...pausedState(t), incidentId: null, lastCheck: null }, 'paused')
    else if (def.enabled && entry.state.state === 'paused') await storeStateChange(entry, { service: def.name, ...initialState(t), incidentId: null, lastCheck: null }, null)
    const urlChanged = old !== undefined && old.def.url !== def.url
    // a changed target is probed soon rather than a whole interval later
    schedule(entry, old && (urlChanged || old.def.interval !== def.interval) ? t + spreadOffset(def.name, Math.min(def.interval, 2000)) : undefined)
  }

  async function uninstall (name: string) {
    scheduler.remove(name)
    entries.delete(name)
    await store.health.removeService(name)
    // its cached past days went with it; a service re-created under the name starts afresh
    pastDays = null
  }

  function apiDefinitions (): Map<string, ServiceDefinitionT> {
    return new Map([...entries.values()].filter((e) => e.source === 'api').map((e) => [e.def.name, e.def]))
  }

  function checkGraph (def: ServiceDefinitionT) {
    const graph = new Map<string, { dependsOn: string[] }>([...entries].map(([n, e]) => [n, e.def]))
    graph.set(def.name, def)
    const unknown = unknownDependency(graph, def.name)
    if (unknown) throw invalid(`body/dependsOn/${unknown[0]}: no service named "${unknown[1]}"`)
    const cycle = dependencyCycle(graph, def.name)
    if (cycle) throw invalid(`body/dependsOn: dependency cycle ${cycle.join(' → ')}`)
  }

  function writable (name: string): Entry {
    const e = entries.get(name)
    if (!e) throw notFound(`no service named "${name}"`)
    if (e.source === 'file') throw conflict(`service "${name}" is defined in the config file and is read-only through the API; change it there and reload (SIGHUP)`)
    return e
  }

  function statusOf (e: Entry): ServiceStatusView {
    const s = e.state
    return {
      name: e.def.name, url: e.def.url, kind: e.def.kind, source: e.source, readOnly: e.source === 'file', enabled: e.def.enabled,
      state: s.state, since: s.lastCheck || s.state !== 'unknown' ? iso(s.since) : null,
      latencyMs: s.lastCheck ? Math.round(s.lastCheck.latencyMs * 100) / 100 : null,
      tags: e.def.tags, dependsOn: e.def.dependsOn, lastCheck: s.lastCheck ? checkView(s.lastCheck) : null, incidentId: s.incidentId,
    }
  }

  let pastDays: { from: number, today: number, rows: DailyUptime[] } | null = null

  function report (): CheckServicesView {
    const services = [...entries.values()].sort((a, b) => a.def.name.localeCompare(b.def.name)).map(statusOf)
    let newest: number | null = null
    for (const e of entries.values()) { const at = e.state.lastCheck?.at; if (at !== undefined && (newest === null || at > newest)) newest = at }
    return {
      healthy: services.filter((s) => s.state === 'up').length,
      degraded: services.filter((s) => s.state === 'degraded').length,
      unhealthy: services.filter((s) => s.state === 'down').length,
      total: services.length,
      checkedAt: newest === null ? null : iso(newest),
      services,
    }
  }

  function mustGet (name: string): Entry {
    const e = entries.get(name)
    if (!e) throw notFound(`no service named "${name}"`)
    return e
  }

  async function prune () {
    const t = now()
    const checks = await store.health.pruneChecks(t - opts.checksRetentionDays * DAY)
    const rollups = await store.health.pruneRollups(t - opts.rollupsRetentionDays * DAY)
    return { checks, rollups }
  }

  const service = {
    /** Loads stored and file-defined services and their states, then starts the clock. */
    async start () {
      const [apiDefs, states] = await Promise.all([store.health.listServices(), store.health.listStates()])
      const stored = new Map(states.map((s) => [s.service, s]))
      const api = new Map<string, ServiceDefinitionT>()
      for (const d of apiDefs) api.set(d.name, d.definition as unknown as ServiceDefinitionT)
      const fileDefs = normaliseFileServices(opts.loadFileServices(), api, guard)
      for (const d of apiDefs) await install(api.get(d.name)!, 'api', d.createdAt, stored.get(d.name))
      for (const d of fileDefs) await install(d, 'file', now(), stored.get(d.name))
      // states of services that no longer exist (removed from the file while the hub was down)
      for (const s of states) if (!entries.has(s.service)) await store.health.removeService(s.service)
      started = true
      log.info({ services: entries.size, fromFile: fileDefs.length, scheduled: opts.schedule }, 'health monitoring started')
    },

    /** Stops probing; probes under way are cancelled, their results dropped. */
    async stop () {
      stopping.abort(new Error('the hub is closing'))
      flushChecks()
      await scheduler.stop()
      flushChecks()
    },

    /** Re-reads the config file's services; applies them all or, if any is invalid, none. */
    async reload (): Promise<{ added: string[], changed: string[], removed: string[] }> {
      if (!started) throw new Error('health monitoring has not started')
      const fileDefs = normaliseFileServices(opts.loadFileServices(), apiDefinitions(), guard)
      const wanted = new Map(fileDefs.map((d) => [d.name, d]))
      const added: string[] = []
      const changed: string[] = []
      const removed: string[] = []
      for (const [name, e] of [...entries]) {
        if (e.source === 'file' && !wanted.has(name)) { await uninstall(name); removed.push(name) }
      }
      for (const d of fileDefs) {
        const old = entries.get(d.name)
        if (!old) { await install(d, 'file', now()); added.push(d.name) } else if (JSON.stringify(old.def) !== JSON.stringify(d)) { await install(d, 'file', old.createdAt); changed.push(d.name) }
      }
      log.info({ added, changed, removed }, 'services reloaded from the config file')
      return { added, changed, removed }
    },

    list: (): ServiceStatusView[] => report().services,
    /** name and state of every service, unsorted: the cheap read behind metrics scrapes */
    states: (): Array<{ name: string, state: ServiceState }> => [...entries.values()].map((e) => ({ name: e.def.name, state: e.state.state })),
    get (name: string): { status: ServiceStatusView, definition: ServiceDefinitionT } | undefined {
      const e = entries.get(name)
      return e ? { status: statusOf(e), definition: e.def } : undefined
    },
    getState: (name: string): ServiceState | undefined => entries.get(name)?.state.state,

    /** The aggregate from the latest stored results; nothing is probed. */
    checkServices: (): CheckServicesView => report(),

    /** Probes every enabled service now; answers when all are recorded, bounded by the largest timeout. */
    async refresh (): Promise<CheckServicesView> {
      const enabled = [...entries.values()].filter((e) => e.def.enabled)
      const bound = Math.max(0, ...enabled.map((e) => e.def.timeout)) + 1000
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all(enabled.map((e) => scheduler.runNow(e.def.name))),
        new Promise((resolve) => { timer = setTimeout(resolve, bound) }),
      ])
      clearTimeout(timer)
      return report()
    },

    /** Detail of one service: status, definition, uptime windows from the rollups, open incident. */
    async detail (name: string) {
      const e = mustGet(name)
      const t = now()
      const keys = Object.keys(UPTIME_WINDOWS) as Array<keyof typeof UPTIME_WINDOWS>
      const counts = await store.health.uptime(name, keys.map((k) => t - UPTIME_WINDOWS[k] * DAY))
      const uptime = Object.fromEntries(keys.map((k, i) => {
        const c = counts[i]
        return [k, { ratio: c.total ? (c.up + c.degraded) / c.total : null, checks: c.total, up: c.up, degraded: c.degraded, down: c.down }]
      })) as Record<keyof typeof UPTIME_WINDOWS, UptimeView>
      const incident = e.state.incidentId ? await store.health.getIncident(e.state.incidentId) : undefined
      return { status: statusOf(e), definition: e.def, uptime, currentIncident: incident ? incidentView(incident) : null }
    },

    /**
     * Every service's check counts per UTC day for the last `days` days (today included), from the
     * hourly rollups in one read: the fleet view's uptime bars. A day is `[index, checks, up, degraded,
     * down]`, index 0 = `from`; days without checks are left out.
     */
    async uptimeDays (days: number) {
      const today = Math.floor(now() / DAY) * DAY
      const from = today - (days - 1) * DAY
      // Finished days no longer change: they are read once per day and window, and only today's
      // counts are read on each call (a 90-day fleet is ~180,000 day rows; today is one per service).
      if (!pastDays || pastDays.from !== from || pastDays.today !== today) {
        pastDays = { from, today, rows: await store.health.uptimeByDay(from, today) }
      }
      const byService = new Map<string, Array<[number, number, number, number, number]>>()
      for (const r of [...pastDays.rows, ...await store.health.uptimeByDay(today)]) {
        if (!entries.has(r.service)) continue
        let list = byService.get(r.service)
        if (!list) byService.set(r.service, list = [])
        list.push([(r.day - from) / DAY, r.total, r.up, r.degraded, r.down])
      }
      return {
        from: iso(from).slice(0, 10),
        days,
        services: [...entries.keys()].sort().map((name) => ({ name, days: byService.get(name) ?? [] })),
      }
    },

    async history (name: string, q: { since?: string, until?: string, cursor?: string, limit: number }) {
      mustGet(name)
      const beforeSeq = q.cursor ? checkCursor.decodeSeq(q.cursor) : undefined
      const rows = await store.health.history(name, {
        since: q.since ? Date.parse(q.since) : undefined, until: q.until ? Date.parse(q.until) : undefined, beforeSeq, limit: q.limit + 1,
      })
      const page = rows.slice(0, q.limit)
      return { checks: page.map(checkView), nextCursor: rows.length > q.limit ? checkCursor.encode(page[page.length - 1].seq!) : null }
    },

    async incidents (name: string, q: { cursor?: string, limit: number }) {
      mustGet(name)
      const beforeId = q.cursor ? incidentCursor.decodeText(q.cursor) : undefined
      const rows = await store.health.incidents(name, { beforeId, limit: q.limit + 1 })
      const page = rows.slice(0, q.limit)
      return { incidents: page.map(incidentView), nextCursor: rows.length > q.limit ? incidentCursor.encode(page[page.length - 1].id) : null }
    },

    /** Adds a service through the API. Resolves once stored. */
    async create (input: unknown) {
      const def = normaliseService(input, 'body', guard)
      const existing = entries.get(def.name)
      if (existing) throw conflict(`body/name: a service named "${def.name}" already exists${existing.source === 'file' ? ' (in the config file)' : ''}`)
      checkGraph(def)
      const t = now()
      await store.health.putService({ name: def.name, definition: def as unknown as Record<string, unknown>, createdAt: t, updatedAt: t })
      await install(def, 'api', t)
      return service.get(def.name)!
    },

    /** Replaces an API-defined service (PUT); the name in the body must match. */
    async replace (name: string, input: unknown) {
      const e = writable(name)
      const def = normaliseService(input, 'body', guard)
      if (def.name !== name) throw invalid(`body/name must be "${name}", the service being replaced (renaming is not supported)`)
      checkGraph(def)
      await store.health.putService({ name, definition: def as unknown as Record<string, unknown>, createdAt: e.createdAt, updatedAt: now() })
      await install(def, 'api', e.createdAt)
      return service.get(name)!
    },

    /** Changes some fields of an API-defined service (PATCH); null removes an optional field. */
    async patch (name: string, changes: unknown) {
      const e = writable(name)
      if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) throw invalid('body must be an object of fields to change')
      const merged: Record<string, unknown> = { ...definitionAsInput(e.def) }
      for (const [k, v] of Object.entries(changes as Record<string, unknown>)) {
        if (v === null) delete merged[k]
        else merged[k] = v
      }
      // a shorter interval without a timeout gets the default timeout again, rather than one now too long
      const c = changes as Record<string, unknown>
      if ('interval' in c && !('timeout' in c)) {
        const iv = c.interval
        const ms = typeof iv === 'number' ? iv : typeof iv === 'string' && /^\d+(?:\.\d+)?\s*(?:ms|s|m|h)$/.test(iv) ? parseDuration(iv) : NaN
        if (ms <= e.def.timeout) delete merged.timeout
      }
      return service.replace(name, merged)
    },

    /** Removes an API-defined service with its history. Refused while others depend on it. */
    async remove (name: string) {
      writable(name)
      const dependents = [...entries.values()].filter((x) => x.def.dependsOn.includes(name)).map((x) => x.def.name)
      if (dependents.length) throw conflict(`service "${name}" is a dependency of ${dependents.map((d) => `"${d}"`).join(', ')}; change those first`)
      await uninstall(name)
    },

    prune,
    schedulerStats: () => ({ ...scheduler.stats(), driftP99Ms: scheduler.driftPercentile(99) }),
    /** Starts a new window of drift samples (benchmarks measure a steady period). */
    resetDrift: () => scheduler.resetDrift(),
  }
  return service
}

export type HealthService = ReturnType<typeof createHealthService>
