// The notifier: the definition catalogues, the alert engine and the outbox worker, put together.
// Everything it decides is written to the store before anything is sent, so a restart loses nothing.
// No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { Dispatcher } from 'undici'
import type { Bus } from '../shared/bus.js'
import { openAlertEngine } from './alert-engine.js'
import { BUILTIN_RULES, ruleEnabled } from './builtin-rules.js'
import { openCatalogue } from './catalogue.js'
import { channelKind, maintenanceKind, ruleKind, silenceKind } from './definition-kinds.js'
import { validateNotifierConfig } from './definitions.js'
import { createOutboxWorker, type OutboxSettings } from './outbox-worker.js'
import type { ResolveHost } from './adapters/senders.js'
import { trackStoreWrites } from './store-writes.js'
import type { NotifierStore } from '../../store/ports/notifier.js'
import type { AlertRuleT, ChannelT, DeliveryStatusT, MaintenanceWindowT } from '../../schemas/notifier.js'

export { SECRET_MASK } from './channel-secrets.js'
export { alertView } from './alert-engine.js'

export interface NotifierSettings extends OutboxSettings {
  repeatIntervalMs: number
}

export interface NotifierOptions {
  store: NotifierStore
  bus: Bus
  dispatcher: Dispatcher
  /** one checked address for an SMTP host (the outbound guard's resolver) */
  resolveHost: ResolveHost
  log: { info (o: object, m: string): void, warn (o: object, m: string): void, error (o: object, m: string): void }
  settings: NotifierSettings
  fromConfig: { channels?: ChannelT[], rules?: AlertRuleT[], maintenance?: MaintenanceWindowT[] }
}

export async function createNotifier (opts: NotifierOptions) {
  const { store, bus, log, settings } = opts
  const nextId = monotonicFactory()
  const writes = trackStoreWrites()
  const fromConfig = validateNotifierConfig(opts.fromConfig)

  // Built first so the others can wake it; it runs nothing until start(), when all of them exist.
  const worker = createOutboxWorker({
    store,
    dispatcher: opts.dispatcher,
    resolveHost: opts.resolveHost,
    log,
    settings,
    writes,
    nextId,
    channel: (id) => channels.spec(id),
    beforeRound: (now) => engine.reviewOpenAlerts(now),
  })
  const wake = () => worker.wake()
  const channels = await openCatalogue(store, writes, channelKind({ ruleUsing: (id): AlertRuleT | undefined => rules.specs().find((r) => (r.channels ?? []).includes(id)) }), fromConfig.channels)
  const rules = await openCatalogue(store, writes, ruleKind({ hasChannel: (id): boolean => channels.has(id), wake }), fromConfig.rules, BUILTIN_RULES)
  // a disabled rule is invisible to the engine: it raises nothing, and its firing alerts resolve on review
  const enabledRules = {
    specs: () => rules.specs().filter(ruleEnabled),
    spec: (id: string) => { const r = rules.spec(id); return r && ruleEnabled(r) ? r : undefined },
  }
  const delivers = (channelIds: readonly string[]) => channelIds.some((id) => channels.spec(id)?.enabled !== false && channels.has(id))
  const maintenance = await openCatalogue(store, writes, maintenanceKind({ wake }), fromConfig.maintenance)
  const silences = await openCatalogue(store, writes, silenceKind({ nextId, wake }))
  const engine = await openAlertEngine({
    store,
    bus,
    log,
    writes,
    nextId,
    repeatIntervalMs: settings.repeatIntervalMs,
    rules: enabledRules,
    delivers,
    silences: () => silences.specs(),
    windows: () => maintenance.specs(),
    queued: wake,
  })

  // alerts are raised and sent by the leader only: lead(true) starts the engine and the worker

  /** Whether any alert would reach a channel; the Alerts view and the start-up log say it plainly. */
  function deliveryStatus (): DeliveryStatusT {
    const all = channels.specs()
    const enabledChannels = all.filter((c) => c.enabled !== false).length
    const active = enabledRules.specs()
    const undeliveredRules = active.filter((r) => !delivers(r.channels ?? [])).map((r) => r.id)
    const delivering = active.length > undeliveredRules.length
    let message: string
    if (enabledChannels === 0) {
      message = 'No notification channel is configured: alerts are recorded, listed by /alerts, shown on the dashboard and logged at error level, but not delivered anywhere. Add a channel and name it in a rule to be notified.'
    } else if (undeliveredRules.length > 0) {
      message = `Alerts of rule${undeliveredRules.length > 1 ? 's' : ''} ${undeliveredRules.join(', ')} reach no enabled channel: they are recorded, listed by /alerts and logged at error level, but not delivered.`
    } else {
      message = 'Every enabled alert rule delivers to at least one enabled channel.'
    }
    return { delivering, channels: all.length, enabledChannels, undeliveredRules, message }
  }

  return {
    /** Takes up definitions a backup import has just stored (channels first, so rules find theirs). */
    adoptImported (defs: Array<{ kind: string, id: string, spec: unknown }>) {
      const catalogues = { channel: channels, rule: rules, maintenance, silence: silences } as const
      const order = ['channel', 'maintenance', 'silence', 'rule']
      for (const d of [...defs].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
        (catalogues[d.kind as keyof typeof catalogues] as { adopt (id: string, spec: unknown): void } | undefined)?.adopt(d.id, d.spec)
      }
    },
    /** Takes up definitions other instances stored (a change notification of `kind`, or all when none). */
    async sync (kind?: string) {
      const catalogues = { channel: channels, rule: rules, maintenance, silence: silences } as const
      for (const [k, c] of Object.entries(catalogues)) if (kind === undefined || kind === k) await c.sync()
    },
    /** Takes up an alert another instance changed. */
    refreshAlert: (id: string) => engine.refresh(id),
    inMaintenance: engine.inMaintenance,
    deliveryStatus,
    settings,
    channels: { ...channels.api, test: worker.sendTest },
    rules: rules.api,
    maintenance: maintenance.api,
    silences: {
      ...silences.api,
      /** Retention: forgets silences that ended before `before` (ms). */
      forgetEndedBefore: (before: number) => silences.forget((s) => Date.parse(s.endsAt) < before),
    },
    alerts: engine.alerts,
    deliveries: (f: { alertId?: string, channelId?: string, limit: number }) => store.deliveries(f),
    /** Counters for the metrics plugin: deliveries by channel and outcome since start, firing alerts, pending messages. */
    async stats () {
      return { deliveries: worker.deliveryCounts(), firing: engine.firingCount(), pendingMessages: await store.pendingCount() }
    },
    /**
     * Raises alerts and sends the outbox (this instance leads), or stops at once (it no longer does).
     * `reload` first re-reads the service states and the firing alerts another leader left.
     */
    async lead (on: boolean, reload = false) {
      // stopping waits for the sends under way and their records
      if (!on) { engine.stop(); await worker.stop(); await writes.settled(); return }
      if (reload) await engine.reload()
      engine.start()
      worker.start()
    },
    /** Runs one review/group/send round now (the scheduler runs it every MCP_NOTIFIER_TICK_MS). */
    tick: worker.tick,
    async close () {
      engine.stop()
      await worker.stop()
      await writes.settled()
    },
  }
}

export type Notifier = Awaited<ReturnType<typeof createNotifier>>
