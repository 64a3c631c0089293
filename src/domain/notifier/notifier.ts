// The notifier: the definition catalogues, the alert engine and the outbox worker, put together.
// Everything it decides is written to the store before anything is sent, so a restart loses nothing.
// No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { Dispatcher } from 'undici'
import type { Bus } from '../shared/bus.js'
import { openAlertEngine } from './alert-engine.js'
import { openCatalogue } from './catalogue.js'
import { channelKind, maintenanceKind, ruleKind, silenceKind } from './definition-kinds.js'
import { validateNotifierConfig } from './definitions.js'
import { createOutboxWorker, type OutboxSettings } from './outbox-worker.js'
import { trackStoreWrites } from './store-writes.js'
import type { NotifierStore } from '../../store/ports/notifier.js'
import type { AlertRuleT, ChannelT, MaintenanceWindowT } from '../../schemas/notifier.js'

export { SECRET_MASK } from './channel-secrets.js'
export { alertView } from './alert-engine.js'

export interface NotifierSettings extends OutboxSettings {
  repeatIntervalMs: number
}

export interface NotifierOptions {
  store: NotifierStore
  bus: Bus
  dispatcher: Dispatcher
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
    log,
    settings,
    writes,
    nextId,
    channel: (id) => channels.spec(id),
    beforeRound: (now) => engine.reviewOpenAlerts(now),
  })
  const wake = () => worker.wake()
  const channels = await openCatalogue(store, writes, channelKind({ ruleUsing: (id): AlertRuleT | undefined => rules.specs().find((r) => r.channels.includes(id)) }), fromConfig.channels)
  const rules = await openCatalogue(store, writes, ruleKind({ hasChannel: (id): boolean => channels.has(id), wake }), fromConfig.rules)
  const maintenance = await openCatalogue(store, writes, maintenanceKind({ wake }), fromConfig.maintenance)
  const silences = await openCatalogue(store, writes, silenceKind({ nextId, wake }))
  const engine = await openAlertEngine({
    store,
    bus,
    log,
    writes,
    nextId,
    repeatIntervalMs: settings.repeatIntervalMs,
    rules,
    silences: () => silences.specs(),
    windows: () => maintenance.specs(),
    queued: wake,
  })

  engine.start()
  worker.start()

  return {
    /** Takes up definitions a backup import has just stored (channels first, so rules find theirs). */
    adoptImported (defs: Array<{ kind: string, id: string, spec: unknown }>) {
      const catalogues = { channel: channels, rule: rules, maintenance, silence: silences } as const
      const order = ['channel', 'maintenance', 'silence', 'rule']
      for (const d of [...defs].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
        (catalogues[d.kind as keyof typeof catalogues] as { adopt (id: string, spec: unknown): void } | undefined)?.adopt(d.id, d.spec)
      }
    },
    inMaintenance: engine.inMaintenance,
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
