// The per-service families of the Prometheus exposition (up, state, uptime ratio, probe latency
// histogram), rendered by hand: with thousands of services they are tens of thousands of lines, and
// formatting them through prom-client on every scrape costs hundreds of milliseconds. Each service's
// lines are rendered, already UTF-8 encoded, when that service changes; a scrape copies the pieces into
// one buffer (a few MB of memcpy at 5,000 services), and a scrape when nothing changed since the last
// one answers the same buffer again.

/** The uptime windows the exposition carries, in ms. */
export type UptimeWindow = '24h' | '7d' | '30d'
export const UPTIME_WINDOWS: Record<UptimeWindow, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }

const STATES = ['unknown', 'up', 'degraded', 'down', 'paused'] as const
export const PROBE_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const num = (v: number) => String(v)
const EMPTY = Buffer.alloc(0)

const HEADERS = [
  '# HELP mcp_service_up Per service: 1 when it answers (up or degraded), 0 otherwise\n# TYPE mcp_service_up gauge\n',
  '\n# HELP mcp_service_state Per service: 1 for its current state, 0 for the others\n# TYPE mcp_service_state gauge\n',
  '\n# HELP mcp_service_uptime_ratio Per service and window: share of checks up or degraded (maintenance excluded), from hourly rollups\n# TYPE mcp_service_uptime_ratio gauge\n',
  '\n# HELP mcp_probe_duration_seconds Probe latency per service\n# TYPE mcp_probe_duration_seconds histogram\n',
].map((h) => Buffer.from(h))

interface Series {
  state: string | null
  up: Buffer
  states: Buffer
  uptime: Buffer
  buckets: number[]
  sum: number
  count: number
  /** null: to render again at the next scrape */
  histogram: Buffer | null
}

export function createServiceSeries () {
  const series = new Map<string, Series>()
  // the last body and the services (in order) it was rendered for; `changed` says it is stale
  let body: Buffer | null = null
  let bodyNames: string[] = []
  let changed = true

  const get = (name: string): Series => {
    let s = series.get(name)
    if (!s) {
      s = { state: null, up: EMPTY, states: EMPTY, uptime: EMPTY, buckets: PROBE_BUCKETS.map(() => 0), sum: 0, count: 0, histogram: EMPTY }
      series.set(name, s)
    }
    return s
  }

  function renderHistogram (name: string, s: Series): Buffer {
    if (s.count === 0) return EMPTY
    const l = label(name)
    let out = ''
    PROBE_BUCKETS.forEach((le, i) => { out += `mcp_probe_duration_seconds_bucket{le="${le}",service="${l}"} ${s.buckets[i]}\n` })
    out += `mcp_probe_duration_seconds_bucket{le="+Inf",service="${l}"} ${s.count}\n`
    out += `mcp_probe_duration_seconds_sum{service="${l}"} ${num(s.sum)}\nmcp_probe_duration_seconds_count{service="${l}"} ${s.count}\n`
    return Buffer.from(out)
  }

  function setState (name: string, s: Series, state: string) {
    const l = label(name)
    s.state = state
    s.up = Buffer.from(`mcp_service_up{service="${l}"} ${state === 'up' || state === 'degraded' ? 1 : 0}\n`)
    s.states = Buffer.from(STATES.map((st) => `mcp_service_state{service="${l}",state="${st}"} ${state === st ? 1 : 0}\n`).join(''))
  }

  return {
    observeProbe (name: string, seconds: number) {
      const s = get(name)
      // buckets are cumulative, as the exposition wants them
      PROBE_BUCKETS.forEach((le, i) => { if (seconds <= le) s.buckets[i]++ })
      s.sum += seconds
      s.count++
      s.histogram = null
      changed = true
    },

    setUptime (name: string, windows: Partial<Record<UptimeWindow, number | null>>) {
      const s = get(name)
      const l = label(name)
      const text = Object.entries(windows).filter(([, r]) => r !== null && r !== undefined)
        .map(([w, r]) => `mcp_service_uptime_ratio{service="${l}",window="${w}"} ${num(r as number)}\n`).join('')
      if (text === s.uptime.toString()) return
      s.uptime = Buffer.from(text)
      changed = true
    },

    /** The exposition of every family for exactly these services, in their order (others are forgotten). */
    render (services: Array<{ name: string, state: string }>): Buffer {
      let same = !changed && body !== null && services.length === bodyNames.length
      for (let i = 0; i < services.length; i++) {
        const svc = services[i]
        const s = get(svc.name)
        if (s.state !== svc.state) { setState(svc.name, s, svc.state); same = false }
        if (same && bodyNames[i] !== svc.name) same = false
      }
      if (same) return body!
      const parts: Buffer[][] = [[HEADERS[0]], [HEADERS[1]], [HEADERS[2]], [HEADERS[3]]]
      const names: string[] = new Array(services.length)
      let size = HEADERS.reduce((n, h) => n + h.length, 0)
      const present = new Set<string>()
      for (let i = 0; i < services.length; i++) {
        const name = services[i].name
        const s = series.get(name)!
        names[i] = name
        present.add(name)
        s.histogram ??= renderHistogram(name, s)
        parts[0].push(s.up)
        parts[1].push(s.states)
        parts[2].push(s.uptime)
        parts[3].push(s.histogram)
        size += s.up.length + s.states.length + s.uptime.length + s.histogram.length
      }
      if (series.size > present.size) for (const name of series.keys()) if (!present.has(name)) series.delete(name)
      body = Buffer.concat(parts.flat(), size)
      bodyNames = names
      changed = false
      return body
    },
  }
}
