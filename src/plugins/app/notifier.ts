// The notifier plugin: owns the undici Agent for outbound notifications, builds the notifier from the
// config (its file sections are read-only through the API) and releases both on shutdown.
import fp from 'fastify-plugin'
import { scheduleRetention } from '../../http/periodic-job.js'
import { Agent } from 'undici'
import { createRequire } from 'node:module'
import { isDomainError } from '../../domain/shared/errors.js'
import { createNotifier, type Notifier } from '../../domain/notifier/notifier.js'
import { ConfigError } from '../../config.js'
import { createGuardedConnector } from '../../domain/shared/adapters/guarded-connector.js'

declare module 'fastify' {
  interface FastifyInstance { notifier: Notifier }
}

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

export default fp(async (app) => {
  const { config } = app
  // every connection through the outbound guard, to the address it checked; SMTP resolves through it too
  const connector = createGuardedConnector({ guard: app.outbound.channelGuard, lookup: app.outbound.lookup, connectTimeoutMs: config.notifierSendTimeoutMs })
  const dispatcher = new Agent({
    connect: connector.connect,
    headersTimeout: config.notifierSendTimeoutMs,
    bodyTimeout: config.notifierSendTimeoutMs,
    keepAliveTimeout: 10_000,
    connections: 16,
  })
  let notifier: Notifier
  try {
    notifier = await createNotifier({
      store: app.store.notifier,
      bus: app.bus,
      dispatcher,
      resolveHost: connector.resolveChecked,
      log: app.log,
      settings: {
        groupWindowMs: config.notifierGroupWindowMs,
        repeatIntervalMs: config.notifierRepeatIntervalMs,
        retry: { baseMs: config.notifierRetryBaseMs, maxDelayMs: config.notifierRetryMaxDelayMs, maxAgeMs: config.notifierMaxAgeMs },
        rateBudget: config.notifierRateBudget,
        rateWindowMs: config.notifierRateWindowMs,
        tickMs: config.notifierTickMs,
        sendTimeoutMs: config.notifierSendTimeoutMs,
        userAgent: `mcp-server/${version}`,
      },
      fromConfig: { channels: config.channels, rules: config.alertRules, maintenance: config.maintenanceWindows },
    })
  } catch (err) {
    await dispatcher.close()
    // a bad config-file section fails the start, naming the entry
    if (isDomainError(err)) throw new ConfigError(`MCP_CONFIG: ${err.message}`)
    throw err
  }
  app.decorate('notifier', notifier)
  // only the leader raises alerts and sends; every instance takes up definitions stored elsewhere
  app.cluster.onLead((_token, reload) => notifier.lead(true, reload))
  app.cluster.onFollow(() => notifier.lead(false))
  const unChange = app.cluster.onChange((c) => {
    if (c.area === 'notifier') notifier.sync(c.kind).catch((err) => app.log.warn({ err }, 'notifier: taking up stored definitions failed'))
    if (c.area === 'alert' && app.cluster.isLeader()) notifier.refreshAlert(c.id).catch((err) => app.log.warn({ err }, 'notifier: taking up a changed alert failed'))
  })
  const delivery = notifier.deliveryStatus()
  if (!delivery.delivering) app.log.warn({ undeliveredRules: delivery.undeliveredRules }, delivery.message)

  // Retention of the delivery log, finished messages, resolved alerts and ended silences; pending messages are kept
  // (they end by success or by MCP_NOTIFIER_MAX_AGE_MS).
  const retention = scheduleRetention(app, 'notifier', 60 * 60_000, async () => {
    const before = Date.now() - config.notifierRetentionDays * 86_400_000
    const [rows, silences] = await Promise.all([app.store.notifier.prune(before), notifier.silences.forgetEndedBefore(before)])
    const n = rows + silences
    if (n > 0) app.log.info({ deleted: n, retentionDays: config.notifierRetentionDays }, 'notifier rows past retention deleted')
  })

  // before the store closes: in-flight sends finish and record their attempts
  app.addHook('preClose', async () => {
    unChange()
    await retention.stop()
    await notifier.close()
    await dispatcher.close()
  })
}, { name: 'notifier', dependencies: ['config', 'outbound', 'store', 'cluster', 'bus'] })
