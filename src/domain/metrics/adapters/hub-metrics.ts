// The hub's metrics: the seed's six names plus conventional ones, in a prom-client registry of the
// app's own. Gauges are read at scrape time from state already in memory (no probe, no heavy query);
// uptime ratios come from a cache refreshed in the background. No Fastify here.
import { Counter, Gauge, Registry } from 'prom-client'
import { createServiceSeries, type UptimeWindow } from '../service-series.js'
import type { Bus } from '../../shared/bus.js'

export interface ServiceGaugeSource { name: string, state: string }

export interface MetricsSources {
  /** calls `visit` with every service's name and state, in a stable order */
  eachService (visit: (name: string, state: string) => void): void
  eventsStored (): number
  auditEntries (): number
  /** 1 completed, 0 failed, null: no such task or still running */
  testsStatus (): Promise<0 | 1 | null>
  deliveries (): Promise<Array<{ channel: string, outcome: string, count: number }>>
  stream (): { clients: number, slowDisconnects: number }
  /** this instance's part in the cluster (always the leader on SQLite) */
  cluster (): { role: 'leader' | 'follower', leaderToken: number | null, changes: number }
}

export interface Summary {
  healthy: number
  degraded: number
  unhealthy: number
  total: number
  events: number
  audits: number
  uptime: number
  testsStatus: 'passed' | 'failed' | null
  role: 'leader' | 'follower'
  leaderToken: number | null
  generatedAt: string
}

/** Services answering (up or degraded) over services monitored (not paused), as 0-100; 100 with none. */
export function fleetUptimePercent (c: StateCounts): number {
  const monitored = c.total - c.paused
  if (monitored === 0) return 100
  return Math.round(((c.up + c.degraded) / monitored) * 10_000) / 100
}

export interface StateCounts { up: number, degraded: number, down: number, paused: number, total: number }

/**
 * The services of one scrape, read in one pass into rows (and counts) reused from scrape to scrape: at
 * 5,000 services, copying them into fresh objects and filtering them once per gauge was about 800 KB
 * of garbage a scrape, at 200 scrapes a second enough to bring a full collection every 1.5 s, whose
 * pauses made the scrape's p99 (bench/scrape.js). The rows are only read synchronously after a fill.
 */
class ServiceSnapshot {
  readonly rows: ServiceGaugeSource[] = []
  readonly counts: StateCounts = { up: 0, degraded: 0, down: 0, paused: 0, total: 0 }
  private n = 0
  private readonly visit = (name: string, state: string) => {
    const r = this.rows[this.n]
    if (r === undefined) this.rows.push({ name, state })
    else { r.name = name; r.state = state }
    this.n++
    if (state === 'up') this.counts.up++
    else if (state === 'degraded') this.counts.degraded++
    else if (state === 'down') this.counts.down++
    else if (state === 'paused') this.counts.paused++
  }

  constructor (private readonly sources: MetricsSources) {}

  fill (): this {
    const c = this.counts
    c.up = c.degraded = c.down = c.paused = 0
    this.n = 0
    this.sources.eachService(this.visit)
    this.rows.length = this.n
    c.total = this.n
    return this
  }
}

/**
 * A value exposed as TYPE untyped. The seed's `mcp_events_count` and `mcp_audits_count` keep their names,
 * which promtool would refuse on a gauge or counter (a `_count` suffix belongs to histograms and summaries).
 */
class UntypedValue {
  readonly type = 'untyped'
  readonly aggregator = 'sum'
  constructor (readonly name: string, readonly help: string, private readonly read: () => number) {}
  get () { return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [{ value: this.read(), labels: {} }] } }
  reset () {}
}

export function createMetrics (sources: MetricsSources, bus: Bus) {
  const registry = new Registry()
  const registers = [registry]
  // one read of the services per scrape, shared by the gauges and the per-service families; outside
  // a scrape (the registry read on its own) the gauges read them afresh
  const snapshot = new ServiceSnapshot(sources)
  let scraping = 0
  const counts = () => (scraping > 0 ? snapshot : snapshot.fill()).counts

  new Gauge({ name: 'mcp_healthy_services', help: 'Services whose state is up', registers, collect () { this.set(counts().up) } })
  new Gauge({ name: 'mcp_total_services', help: 'Monitored services, paused ones included', registers, collect () { this.set(counts().total) } })
  registry.registerMetric(new UntypedValue('mcp_events_count', 'Events stored now (after retention)', sources.eventsStored) as never)
  registry.registerMetric(new UntypedValue('mcp_audits_count', 'Entries in the audit trail', sources.auditEntries) as never)
  new Gauge({ name: 'mcp_uptime_percent', help: 'Share of monitored services answering now (up or degraded), 0-100', registers, collect () { this.set(fleetUptimePercent(counts())) } })
  new Gauge({
    name: 'mcp_tests_status',
    help: "1 when the latest registry task named 'tests' completed, 0 when it failed; absent otherwise",
    // labelled so that, reset and not set, it is absent rather than 0
    labelNames: ['task'],
    registers,
    async collect () {
      this.reset()
      const status = await sources.testsStatus()
      if (status !== null) this.set({ task: 'tests' }, status)
    },
  })

  const perService = createServiceSeries()

  const ingested = new Counter({ name: 'mcp_events_ingested_total', help: 'Events stored since start (duplicates not counted)', registers })
  const audited = new Counter({ name: 'mcp_audit_entries_total', help: 'Audit entries appended since start', registers })
  const probes = new Counter({ name: 'mcp_probes_total', help: 'Probes by verdict and error class', labelNames: ['verdict', 'error_class'], registers })
  new Counter({
    name: 'mcp_notifications_total',
    help: 'Notification delivery attempts by channel and outcome since start',
    labelNames: ['channel', 'outcome'],
    registers,
    async collect () {
      this.reset()
      for (const d of await sources.deliveries()) this.inc({ channel: d.channel, outcome: d.outcome }, d.count)
    },
  })
  new Gauge({ name: 'mcp_cluster_leader', help: '1 when this instance leads (runs probes, alerts, retention), 0 when it follows', registers, collect () { this.set(sources.cluster().role === 'leader' ? 1 : 0) } })
  new Counter({
    name: 'mcp_cluster_leadership_changes_total',
    help: 'Times this instance started or stopped leading',
    registers,
    collect () { this.reset(); this.inc(sources.cluster().changes) },
  })
  new Gauge({ name: 'mcp_stream_clients', help: 'Clients connected to GET /stream', registers, collect () { this.set(sources.stream().clients) } })
  new Counter({
    name: 'mcp_stream_slow_disconnects_total',
    help: 'Stream clients cut off for not keeping up',
    registers,
    collect () { this.reset(); this.inc(sources.stream().slowDisconnects) },
  })

  const unsubscribe = [
    bus.subscribe('event.stored', ({ events }) => ingested.inc(events.length)),
    bus.subscribe('audit.appended', ({ entries }) => audited.inc(entries.length)),
    bus.subscribe('service.checked', (c) => {
      probes.inc({ verdict: c.verdict, error_class: c.errorClass ?? 'none' })
      perService.observeProbe(c.service, c.latencyMs / 1000)
    }),
  ]

  return {
    registry,
    /** takes the uptime ratios computed in the background */
    setUptime (name: string, windows: Partial<Record<UptimeWindow, number | null>>) { perService.setUptime(name, windows) },
    /**
     * The whole exposition as two parts, written one after the other: the registry's families, then the
     * per-service ones (cached per service, and as a whole while nothing changes). Not concatenated: at
     * 5,000 services a copy per scrape was 5 MB of fresh memory each time, whose collection made the
     * scrape's p99 (bench/scrape.js).
     */
    async exposition (): Promise<[head: Buffer, tail: Buffer]> {
      snapshot.fill()
      scraping++
      try {
        const head = Buffer.from((await registry.metrics()) + '\n')
        // a scrape that overlapped this one may have filled the rows again since: the newer states
        return [head, perService.render(snapshot.rows)]
      } finally {
        scraping--
      }
    },
    contentType: registry.contentType,
    async summary (): Promise<Summary> {
      const c = { ...snapshot.fill().counts }
      const tests = await sources.testsStatus()
      return {
        healthy: c.up,
        degraded: c.degraded,
        unhealthy: c.down,
        total: c.total,
        events: sources.eventsStored(),
        audits: sources.auditEntries(),
        uptime: fleetUptimePercent(c),
        testsStatus: tests === null ? null : tests === 1 ? 'passed' : 'failed',
        ...(({ role, leaderToken }) => ({ role, leaderToken }))(sources.cluster()),
        generatedAt: new Date().toISOString(),
      }
    },
    close () { for (const u of unsubscribe) u() },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
