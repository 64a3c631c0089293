// The service catalogue: which services are monitored and with what definition. Services come from
// the config file (read-only through the API, re-read by reload() on SIGHUP) and from the API (stored).
// It validates definitions and dependencies, keeps states across changes, and (un)schedules probes.
import type { ServiceDefinitionT } from '../../schemas/health.js'
import type { ServiceStateRecord } from '../../store/ports/health.js'
import type { Store } from '../../store/ports/store.js'
import { conflict, invalid, notFound } from '../shared/errors.js'
import type { TargetGuard } from '../shared/target-guard.js'
import type { CheckRecorder } from './check-recorder.js'
import type { MonitoredService, ServiceSource } from './monitored-service.js'
import { spreadOffset } from './scheduler.js'
import { definitionAsInput, dependencyCycle, normaliseFileServices, normaliseService, parseDuration, unknownDependency } from './service-definitions.js'
import { initialState, pausedState } from './state-machine.js'

export interface ServiceCatalogueOptions {
  /** the services by name; the catalogue is the only one that adds, replaces or deletes */
  services: Map<string, MonitoredService>
  store: Store
  guard: TargetGuard
  recorder: Pick<CheckRecorder, 'changeState'>
  /** puts a service on the probe clock (from `firstDue`, or where its checks left off) or takes it off */
  probes: { schedule: (service: MonitoredService, firstDue?: number) => void, unschedule: (name: string) => void }
  /** a service and its history are gone (caches of past data must forget it) */
  onRemoved: (name: string) => void
  /** reads the config file's `services` list afresh (start and reload); undefined when there is none */
  loadFileServices: () => unknown
  log: { info (obj: object, msg: string): void }
  now: () => number
}

export function createServiceCatalogue (opts: ServiceCatalogueOptions) {
  const { services, store, guard, recorder, probes, now } = opts
  let loaded = false

  /** Puts a new or changed definition in place, carrying its state over and pausing or resuming it. */
  async function install (def: ServiceDefinitionT, source: ServiceSource, createdAt: number, stored?: ServiceStateRecord): Promise<MonitoredService> {
    const old = services.get(def.name)
    const t = now()
    const entry: MonitoredService = { def, source, createdAt, state: old?.state ?? stored ?? { service: def.name, ...initialState(t), incidentId: null, lastCheck: null } }
    services.set(def.name, entry)
    if (!def.enabled && entry.state.state !== 'paused') await recorder.changeState(entry, { service: def.name, ...pausedState(t), incidentId: null, lastCheck: null }, 'paused')
    else if (def.enabled && entry.state.state === 'paused') await recorder.changeState(entry, { service: def.name, ...initialState(t), incidentId: null, lastCheck: null }, null)
    const urlChanged = old !== undefined && old.def.url !== def.url
    // a changed target is probed soon rather than a whole interval later
    probes.schedule(entry, old && (urlChanged || old.def.interval !== def.interval) ? t + spreadOffset(def.name, Math.min(def.interval, 2000)) : undefined)
    return entry
  }

  async function uninstall (name: string) {
    probes.unschedule(name)
    services.delete(name)
    await store.health.removeService(name)
    // a service re-created under the name starts afresh
    opts.onRemoved(name)
  }

  function apiDefinitions (): Map<string, ServiceDefinitionT> {
    return new Map([...services.values()].filter((e) => e.source === 'api').map((e) => [e.def.name, e.def]))
  }

  function checkGraph (def: ServiceDefinitionT) {
    const graph = new Map<string, { dependsOn: string[] }>([...services].map(([n, e]) => [n, e.def]))
    graph.set(def.name, def)
    const unknown = unknownDependency(graph, def.name)
    if (unknown) throw invalid(`body/dependsOn/${unknown[0]}: no service named "${unknown[1]}"`)
    const cycle = dependencyCycle(graph, def.name)
    if (cycle) throw invalid(`body/dependsOn: dependency cycle ${cycle.join(' → ')}`)
  }

  function writable (name: string): MonitoredService {
    const e = services.get(name)
    if (!e) throw notFound(`no service named "${name}"`)
    if (e.source === 'file') throw conflict(`service "${name}" is defined in the config file and is read-only through the API; change it there and reload (SIGHUP)`)
    return e
  }

  const catalogue = {
    /** Loads stored and file-defined services and their states; answers how many came from the file. */
    async load (): Promise<{ fromFile: number }> {
      const [apiDefs, states] = await Promise.all([store.health.listServices(), store.health.listStates()])
      const stored = new Map(states.map((s) => [s.service, s]))
      const api = new Map<string, ServiceDefinitionT>()
      for (const d of apiDefs) api.set(d.name, d.definition as unknown as ServiceDefinitionT)
      const fileDefs = normaliseFileServices(opts.loadFileServices(), api, guard)
      for (const d of apiDefs) await install(api.get(d.name)!, 'api', d.createdAt, stored.get(d.name))
      for (const d of fileDefs) await install(d, 'file', now(), stored.get(d.name))
      // states of services that no longer exist (removed from the file while the hub was down)
      for (const s of states) if (!services.has(s.service)) await store.health.removeService(s.service)
      loaded = true
      return { fromFile: fileDefs.length }
    },

    /**
     * Takes up what other instances stored (several hubs on one database): API services added, changed or
     * removed elsewhere, and (`states`) every service's latest stored state. Nothing is written.
     */
    async sync (withStates = true): Promise<void> {
      if (!loaded) return
      const [apiDefs, states] = await Promise.all([store.health.listServices(), store.health.listStates()])
      const stored = new Map(states.map((s) => [s.service, s]))
      const wanted = new Set(apiDefs.map((d) => d.name))
      for (const [name, e] of [...services]) {
        if (e.source === 'api' && !wanted.has(name)) { probes.unschedule(name); services.delete(name); opts.onRemoved(name) }
      }
      for (const d of apiDefs) {
        const def = d.definition as unknown as ServiceDefinitionT
        const old = services.get(d.name)
        if (old?.source === 'file') continue
        if (!old || JSON.stringify(old.def) !== JSON.stringify(def)) {
          const state = stored.get(d.name)
          if (old && state) old.state = state
          await install(def, 'api', d.createdAt, state)
        }
      }
      // the leader's own states may be ahead of the stored ones (checks are written in batches): it keeps them
      if (withStates) {
        for (const e of services.values()) {
          const s = stored.get(e.def.name)
          if (s) e.state = s
        }
      }
    },

    /** Re-reads the config file's services; applies them all or, if any is invalid, none. */
    async reload (): Promise<{ added: string[], changed: string[], removed: string[] }> {
      if (!loaded) throw new Error('health monitoring has not started')
      const fileDefs = normaliseFileServices(opts.loadFileServices(), apiDefinitions(), guard)
      const wanted = new Map(fileDefs.map((d) => [d.name, d]))
      const added: string[] = []
      const changed: string[] = []
      const removed: string[] = []
      for (const [name, e] of [...services]) {
        if (e.source === 'file' && !wanted.has(name)) { await uninstall(name); removed.push(name) }
      }
      for (const d of fileDefs) {
        const old = services.get(d.name)
        if (!old) { await install(d, 'file', now()); added.push(d.name) } else if (JSON.stringify(old.def) !== JSON.stringify(d)) { await install(d, 'file', old.createdAt); changed.push(d.name) }
      }
      opts.log.info({ added, changed, removed }, 'services reloaded from the config file')
      return { added, changed, removed }
    },

    /** Checks a stored definition (of a backup) as the API would: it must normalise to a valid service under the probe guard. */
    check (def: ServiceDefinitionT, prefix: string): void {
      normaliseService(definitionAsInput(def), prefix, guard)
    },

    /** Takes up services a backup import has just stored; a name already in place keeps its definition. */
    async adopt (defs: Array<{ def: ServiceDefinitionT, createdAt: number }>): Promise<void> {
      for (const { def, createdAt } of defs) if (!services.has(def.name)) await install(def, 'api', createdAt)
    },

    /** Adds a service through the API. Resolves once stored. */
    async create (input: unknown): Promise<MonitoredService> {
      const def = normaliseService(input, 'body', guard)
      const existing = services.get(def.name)
      if (existing) throw conflict(`body/name: a service named "${def.name}" already exists${existing.source === 'file' ? ' (in the config file)' : ''}`)
      checkGraph(def)
      const t = now()
      await store.health.putService({ name: def.name, definition: def as unknown as Record<string, unknown>, createdAt: t, updatedAt: t })
      return await install(def, 'api', t)
    },

    /** Replaces an API-defined service (PUT); the name in the body must match. */
    async replace (name: string, input: unknown): Promise<MonitoredService> {
      const e = writable(name)
      const def = normaliseService(input, 'body', guard)
      if (def.name !== name) throw invalid(`body/name must be "${name}", the service being replaced (renaming is not supported)`)
      checkGraph(def)
      await store.health.putService({ name, definition: def as unknown as Record<string, unknown>, createdAt: e.createdAt, updatedAt: now() })
      return await install(def, 'api', e.createdAt)
    },

    /** Changes some fields of an API-defined service (PATCH); null removes an optional field. */
    async patch (name: string, changes: unknown): Promise<MonitoredService> {
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
      return await catalogue.replace(name, merged)
    },

    /** Removes an API-defined service with its history. Refused while others depend on it. */
    async remove (name: string): Promise<void> {
      writable(name)
      const dependents = [...services.values()].filter((x) => x.def.dependsOn.includes(name)).map((x) => x.def.name)
      if (dependents.length) throw conflict(`service "${name}" is a dependency of ${dependents.map((d) => `"${d}"`).join(', ')}; change those first`)
      await uninstall(name)
    },
  }
  return catalogue
}

export type ServiceCatalogue = ReturnType<typeof createServiceCatalogue>
