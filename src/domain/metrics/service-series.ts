// The per-service families of the Prometheus exposition (up, state, uptime ratio, probe latency
// histogram), rendered by hand: with thousands of services they are tens of thousands of lines, and
// formatting them through prom-client on every scrape costs hundreds of milliseconds. Each service's
// lines are rendered when it changes and only joined at scrape time.

/** The uptime windows the exposition carries, in ms. */
export type UptimeWindow = '24h' | '7d' | '30d'
export const UPTIME_WINDOWS: Record<UptimeWindow, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }

const STATES = ['unknown', 'up', 'degraded', 'down', 'paused'] as const
export const PROBE_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const num = (v: number) => String(v)

interface Series {
  state: string | null
  stateText: string
  upText: string
  uptime: Partial<Record<UptimeWindow, number | null>> | null
  uptimeText: string
  buckets: number[]
  sum: number
  count: number
  histogramText: string | null
}

export function createServiceSeries () {
  const series = new Map<string, Series>()

  const get = (name: string): Series => {
    let s = series.get(name)
    if (!s) {
      s = { state: null, stateText: '', upText: '', uptime: null, uptimeText: '', buckets: PROBE_BUCKETS.map(() => 0), sum: 0, count: 0, histogramText: '' }
      series.set(name, s)
    }
    return s
  }

  function renderHistogram (name: string, s: Series): string {
    const l = label(name)
    let out = ''
    PROBE_BUCKETS.forEach((le, i) => { out += `mcp_probe_duration_seconds_bucket{le="${le}",service="${l}"} ${s.buckets[i]}\n` })
    out += `mcp_probe_duration_seconds_bucket{le="+Inf",service="${l}"} ${s.count}\n`
    out += `mcp_probe_duration_seconds_sum{service="${l}"} ${num(s.sum)}\nmcp_probe_duration_seconds_count{service="${l}"} ${s.count}\n`
    return out
  }

  return {
    observeProbe (name: string, seconds: number) {
      const s = get(name)
      // buckets are cumulative, as the exposition wants them
      PROBE_BUCKETS.forEach((le, i) => { if (seconds <= le) s.buckets[i]++ })
      s.sum += seconds
      s.count++
      s.histogramText = null
    },

    setUptime (name: string, windows: Partial<Record<UptimeWindow, number | null>>) {
      const s = get(name)
      s.uptime = windows
      const l = label(name)
      s.uptimeText = Object.entries(windows).filter(([, r]) => r !== null && r !== undefined)
        .map(([w, r]) => `mcp_service_uptime_ratio{service="${l}",window="${w}"} ${num(r as number)}\n`).join('')
    },

    /** The exposition of every family for exactly these services (others are forgotten). */
    render (services: Array<{ name: string, state: string }>): string {
      const present = new Set<string>()
      let up = '# HELP mcp_service_up Per service: 1 when it answers (up or degraded), 0 otherwise\n# TYPE mcp_service_up gauge\n'
      let state = '# HELP mcp_service_state Per service: 1 for its current state, 0 for the others\n# TYPE mcp_service_state gauge\n'
      let uptime = '# HELP mcp_service_uptime_ratio Per service and window: share of checks up or degraded (maintenance excluded), from hourly rollups\n# TYPE mcp_service_uptime_ratio gauge\n'
      let histogram = '# HELP mcp_probe_duration_seconds Probe latency per service\n# TYPE mcp_probe_duration_seconds histogram\n'
      for (const svc of services) {
        present.add(svc.name)
        const s = get(svc.name)
        if (s.state !== svc.state) {
          const l = label(svc.name)
          s.state = svc.state
          s.upText = `mcp_service_up{service="${l}"} ${svc.state === 'up' || svc.state === 'degraded' ? 1 : 0}\n`
          s.stateText = STATES.map((st) => `mcp_service_state{service="${l}",state="${st}"} ${svc.state === st ? 1 : 0}\n`).join('')
        }
        up += s.upText
        state += s.stateText
        uptime += s.uptimeText
        if (s.count > 0) {
          s.histogramText ??= renderHistogram(svc.name, s)
          histogram += s.histogramText
        }
      }
      for (const name of series.keys()) if (!present.has(name)) series.delete(name)
      return up + '\n' + state + '\n' + uptime + '\n' + histogram
    },
  }
}
