// Metrics: decorates `metrics` (the hub's registry, the Prometheus exposition and the seed's JSON
// summary). Request durations are recorded per route by a hook each route gets when it is
// registered (see route-durations.ts for why not fastify-metrics); process metrics come from
// prom-client, in the app's own registry so several apps can share a process.
import fp from 'fastify-plugin'
import type { onResponseHookHandler } from 'fastify'
import { collectDefaultMetrics, type Registry } from 'prom-client'
import { createMetrics, type Summary } from '../../domain/metrics/adapters/hub-metrics.js'
import { UPTIME_WINDOWS, type UptimeWindow } from '../../domain/metrics/service-series.js'
import { RouteDurations } from '../../domain/metrics/adapters/route-durations.js'
import { hookList } from '../../http/route-hooks.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry
      contentType: string
      exposition (): Promise<[head: Buffer, tail: Buffer]>
      summary (): Promise<Summary>
      /** recomputes the cached uptime ratios (the background task does it every few minutes) */
      refreshUptime (): Promise<void>
    }
  }
}

const UPTIME_REFRESH_MS = 5 * 60_000

export default fp(async (app) => {
  let eventsStored = 0
  let auditEntries = 0

  const metrics = createMetrics({
    eachService: (visit) => app.health.eachState(visit),
    eventsStored: () => eventsStored,
    auditEntries: () => auditEntries,
    async testsStatus () {
      const task = await app.context.latestTask('tests')
      return task?.status === 'completed' ? 1 : task?.status === 'failed' ? 0 : null
    },
    deliveries: async () => (await app.notifier.stats()).deliveries,
    stream: () => app.stream.stats(),
    cluster: () => app.cluster.stats(),
  }, app.bus)

  // every route registered from here on records its durations (unmatched paths are not recorded:
  // their URLs are unbounded)
  const durations = new RouteDurations()
  metrics.registry.registerMetric(durations as never)
  app.addHook('onRoute', (route) => {
    const record = durations.route(route.url)
    const observe: onResponseHookHandler = (req, reply, done) => { record(req.method, reply.statusCode, reply.elapsedTime / 1000); done() }
    route.onResponse = [...hookList(route.onResponse), observe]
  })
  collectDefaultMetrics({ register: metrics.registry })
  // gauges that prom-client names *_total, which promtool rightly flags: counts of the moment, not counters
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) metrics.registry.removeSingleMetric(name)

  // Counts kept up to date from the bus, so a scrape never counts rows.
  const unsubscribe = [
    app.bus.subscribe('event.stored', ({ events }) => { eventsStored += events.length }),
    app.bus.subscribe('events.pruned', ({ count }) => { eventsStored = Math.max(0, eventsStored - count) }),
    app.bus.subscribe('audit.appended', ({ entries }) => { auditEntries += entries.length }),
  ]

  async function refreshUptime () {
    const now = Date.now()
    const windows = Object.entries(UPTIME_WINDOWS) as Array<[UptimeWindow, number]>
    let n = 0
    for (const s of app.health.states()) {
      const counts = await app.store.health.uptime(s.name, windows.map(([, ms]) => now - ms))
      metrics.setUptime(s.name, Object.fromEntries(windows.map(([w], i) => {
        const c = counts[i]
        return [w, c.total === 0 ? null : (c.up + c.degraded) / c.total]
      })))
      // small slices: thousands of services never hold the event loop for long
      if (++n % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }

  let refreshing: Promise<void> | null = null
  const refresh = () => {
    refreshing ??= refreshUptime().catch((err) => app.log.warn({ err }, 'uptime refresh failed')).finally(() => { refreshing = null })
    return refreshing
  }
  const timer = setInterval(refresh, UPTIME_REFRESH_MS)
  timer.unref()

  app.addHook('onReady', async () => {
    eventsStored = await app.store.events.count()
    auditEntries = await app.store.audit.count()
    void refresh()
  })
  app.addHook('preClose', async () => {
    clearInterval(timer)
    for (const u of unsubscribe) u()
    metrics.close()
    await refreshing
  })

  app.decorate('metrics', {
    registry: metrics.registry,
    contentType: metrics.contentType,
    exposition: metrics.exposition,
    summary: metrics.summary,
    refreshUptime: refresh,
  })
}, { name: 'metrics', dependencies: ['store', 'cluster', 'bus', 'health', 'notifier', 'context', 'stream', 'audit'] })
