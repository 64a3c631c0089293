// The health service: composes the service catalogue, the probe scheduler, the check recorder and the
// read models into the one object the app decorates as `app.health`. No Fastify here: the plugin
// wires it to the store, the bus and the config file.
import { setMaxListeners } from 'node:events'
import type { Bus } from '../shared/bus.js'
import type { Store } from '../../store/ports/store.js'
import type { Prober } from './adapters/prober.js'
import type { TargetGuard } from '../shared/target-guard.js'
import { createCheckRecorder } from './check-recorder.js'
import { createHealthReads } from './health-reads.js'
import type { MonitoredService } from './monitored-service.js'
import { createScheduler, spreadOffset } from './scheduler.js'
import { createServiceCatalogue } from './service-catalogue.js'
import type { CheckServicesView } from './views.js'

export type { ServiceSource } from './monitored-service.js'
export type { CheckServicesView, CheckView, IncidentView, ServiceStatusView, UptimeView } from './views.js'

const DAY = 86_400_000

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

export function createHealthService (opts: HealthServiceOptions) {
  const { store, bus, prober, guard, log } = opts
  const now = opts.now ?? Date.now
  const services = new Map<string, MonitoredService>()
  const stopping = new AbortController()
  // only the leader probes on the clock (lead()); until then services are loaded but not scheduled
  let leading = false
  // every probe under way listens for the hub closing
  setMaxListeners(0, stopping.signal)

  const recorder = createCheckRecorder({ store, bus, checkFlushMs: opts.checkFlushMs, inMaintenance: opts.inMaintenance })
  const reads = createHealthReads({ services, store, now })
  const scheduler = createScheduler({
    concurrency: opts.concurrency,
    run: (name) => runCheck(name),
    onError: (err, name) => log.error({ err, service: name }, 'recording a check failed'),
  })
  const catalogue = createServiceCatalogue({
    services,
    store,
    guard,
    recorder,
    now,
    log,
    loadFileServices: opts.loadFileServices,
    probes: { schedule, unschedule: (name) => scheduler.remove(name) },
    onRemoved: () => reads.forgetPastDays(),
  })

  function schedule (e: MonitoredService, firstDue?: number) {
    scheduler.remove(e.def.name)
    if (!opts.schedule || !leading || !e.def.enabled) return
    const t = now()
    const last = e.state.lastCheck?.at
    // resume where the checks were; new services spread over their interval so they do not fire together
    const due = firstDue ?? (last !== undefined && last + e.def.interval > t ? last + e.def.interval : t + spreadOffset(e.def.name, e.def.interval))
    scheduler.schedule(e.def.name, e.def.interval, due)
  }

  async function runCheck (name: string): Promise<void> {
    const entry = services.get(name)
    if (!entry || !entry.def.enabled || stopping.signal.aborted) return
    const result = await prober.probe(entry.def, stopping.signal)
    // the service was changed, removed or the hub is closing while the probe ran: drop the result
    if (services.get(name) !== entry || stopping.signal.aborted) return
    await recorder.record(entry, result)
  }

  async function prune () {
    const t = now()
    const checks = await store.health.pruneChecks(t - opts.checksRetentionDays * DAY)
    const rollups = await store.health.pruneRollups(t - opts.rollupsRetentionDays * DAY)
    return { checks, rollups }
  }

  /** The API's view of a service the catalogue has just put in place. */
  const described = (e: MonitoredService) => reads.get(e.def.name)!

  return {
    /** Loads stored and file-defined services and their states, then starts the clock. */
    async start () {
      const { fromFile } = await catalogue.load()
      log.info({ services: services.size, fromFile, scheduled: opts.schedule }, 'health monitoring started')
    },

    /**
     * Starts probing on the clock (this instance leads) or stops it at once (it no longer does; probes under
     * way finish, and their writes meet the fence). `reload` first takes up what other instances stored.
     */
    async lead (on: boolean, reload = false) {
      leading = on
      if (on && reload) await catalogue.sync()
      for (const e of services.values()) if (leading) schedule(e); else scheduler.remove(e.def.name)
      if (!on) recorder.flush()
    },
    /** Takes up services other instances stored (a change notification), and their states unless this one probes. */
    sync: () => catalogue.sync(!leading),

    /** Stops probing; probes under way are cancelled, their results dropped. */
    async stop () {
      stopping.abort(new Error('the hub is closing'))
      recorder.flush()
      await scheduler.stop()
      recorder.flush()
    },

    /** Re-reads the config file's services; applies them all or, if any is invalid, none. */
    reload: catalogue.reload,
    /** Checks an API service of a backup as the API would, then takes up those the import stored. */
    checkImported: catalogue.check,
    adoptImported: catalogue.adopt,

    list: () => reads.report().services,
    /** name and state of every service, unsorted (the metrics uptime refresh) */
    states: reads.states,
    /** the same as calls, nothing allocated: the read behind each metrics scrape */
    eachState: reads.eachState,
    get: reads.get,
    getState: reads.getState,

    /** The aggregate from the latest stored results; nothing is probed. */
    checkServices: (): CheckServicesView => reads.report(),

    /** Probes every enabled service now; answers when all are recorded, bounded by the largest timeout. */
    async refresh (): Promise<CheckServicesView> {
      const enabled = [...services.values()].filter((e) => e.def.enabled)
      const bound = Math.max(0, ...enabled.map((e) => e.def.timeout)) + 1000
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all(enabled.map((e) => scheduler.runNow(e.def.name))),
        new Promise((resolve) => { timer = setTimeout(resolve, bound) }),
      ])
      clearTimeout(timer)
      return reads.report()
    },

    detail: reads.detail,
    uptimeDays: reads.uptimeDays,
    uptimeBars: reads.uptimeBars,
    history: reads.history,
    incidents: reads.incidents,

    /** Adds a service through the API. Resolves once stored. */
    create: async (input: unknown) => described(await catalogue.create(input)),
    /** Replaces an API-defined service (PUT); the name in the body must match. */
    replace: async (name: string, input: unknown) => described(await catalogue.replace(name, input)),
    /** Changes some fields of an API-defined service (PATCH); null removes an optional field. */
    patch: async (name: string, changes: unknown) => described(await catalogue.patch(name, changes)),
    /** Removes an API-defined service with its history. Refused while others depend on it. */
    remove: catalogue.remove,

    prune,
    schedulerStats: () => ({ ...scheduler.stats(), driftP99Ms: scheduler.driftPercentile(99) }),
    /** Starts a new window of drift samples (benchmarks measure a steady period). */
    resetDrift: () => scheduler.resetDrift(),
  }
}

export type HealthService = ReturnType<typeof createHealthService>
