// Health monitoring plugin: owns the prober's undici Agent, the scheduler and retention timers, and
// decorates `app.health`. Services come from the config file (`services:`, re-read by reload()) and
// from the API (stored).
import fp from 'fastify-plugin'
import { scheduleRetention } from '../../http/periodic-job.js'
import { ConfigError, readConfigFile } from '../../config.js'
import { isDomainError } from '../../domain/shared/errors.js'
import { createHealthService, type HealthService } from '../../domain/health/health-service.js'
import { createProber } from '../../domain/health/adapters/prober.js'

declare module 'fastify' {
  interface FastifyInstance { health: HealthService }
}

export default fp(async (app) => {
  const { config } = app
  const guard = app.outbound.probeGuard
  const prober = createProber({ guard, lookup: app.outbound.lookup, connectTimeoutMs: config.probeConnectTimeoutMs, tlsExpiryWarnDays: config.tlsExpiryWarnDays })
  let firstLoad = true
  const health = createHealthService({
    store: app.store,
    bus: app.bus,
    prober,
    guard,
    // at start the services already read with the config; on reload the file is read again
    loadFileServices: () => {
      if (firstLoad || !config.configFile) { firstLoad = false; return config.services }
      return readConfigFile(config.configFile).services
    },
    schedule: config.healthScheduler,
    // time in a maintenance window is left out of uptime
    inMaintenance: (service, at, tags) => app.notifier.inMaintenance(service, at, tags),
    concurrency: config.probeConcurrency,
    checksRetentionDays: config.checksRetentionDays,
    rollupsRetentionDays: config.rollupsRetentionDays,
    log: app.log.child({ module: 'health' }),
  })
  try {
    await health.start()
  } catch (err) {
    await health.stop()
    await prober.close()
    // a bad service in the config file fails the start with the file and the field named
    if (isDomainError(err, 'invalid')) throw new ConfigError(`${config.configFile ?? 'config'}: ${err.message}`)
    throw err
  }
  app.decorate('health', health)
  // only the leader probes on the clock; every instance takes up services stored elsewhere
  const { cluster } = app
  cluster.onLead((_token, reload) => health.lead(true, reload))
  cluster.onFollow(() => health.lead(false))
  const synced = () => { health.sync().catch((err) => app.log.warn({ err }, 'health: taking up stored services failed')) }
  const unChange = cluster.onChange((c) => { if (c.area === 'health') synced() })
  // followers read the states the leader's probes store
  const follow = cluster.engine === 'postgres' ? setInterval(() => { if (!cluster.isLeader()) synced() }, Math.min(5000, Math.ceil(cluster.leaseMs / 3))) : null
  follow?.unref()

  // Retention of raw checks and rollups, in small chunks on the writer thread.
  const retention = scheduleRetention(app, 'health', 10 * 60_000, async () => {
    const n = await health.prune()
    if (n.checks > 0 || n.rollups > 0) app.log.info(n, 'health checks past retention deleted')
  })
  app.addHook('preClose', async () => {
    unChange()
    if (follow) clearInterval(follow)
    const retained = retention.stop()
    await health.stop()
    await retained
    await prober.close()
  })
// the notifier before health: it answers inMaintenance, and listens before health publishes transitions
}, { name: 'health', dependencies: ['config', 'outbound', 'store', 'cluster', 'bus', 'notifier'] })
