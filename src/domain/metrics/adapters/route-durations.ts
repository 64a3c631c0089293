// http_request_duration_seconds: a histogram of request durations by method, route pattern and
// status, exposed through prom-client's registry as a metric of our own. Observed on every request
// of every route, so it is kept cheap: prom-client's Histogram hashes its label set on each
// observe, and fastify-metrics adds a request-wide hook pair and a WeakMap entry per request (about
// a sixth of the ingest route's CPU, measured). Here each route gets its recorder when it is
// registered, and an observation is a bucket search and three additions.

export const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

interface Series { method: string, route: string, status: number, counts: number[], sum: number, count: number }

interface ValuePair { labels: Record<string, string | number>, value: number, metricName: string }

export class RouteDurations {
  readonly name = 'http_request_duration_seconds'
  readonly help = 'Duration of HTTP requests in seconds, by method, route pattern and status code'
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series: Series[] = []

  constructor (private readonly buckets: number[] = HTTP_BUCKETS) {}

  /** The recorder of one route pattern: `(method, statusCode, seconds)`. */
  route (route: string): (method: string, status: number, seconds: number) => void {
    // a route sees few (method, status) pairs: a short list beats hashing a key
    const own: Series[] = []
    return (method, status, seconds) => {
      let s: Series | undefined
      for (let i = 0; i < own.length; i++) if (own[i].method === method && own[i].status === status) { s = own[i]; break }
      if (!s) {
        s = { method, route, status, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }
        own.push(s)
        this.series.push(s)
      }
      for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]) { s.counts[i]++; break }
      s.sum += seconds
      s.count++
    }
  }

  /** prom-client's metric interface: the values of every series, buckets cumulative. */
  get () {
    const values: ValuePair[] = []
    for (const s of this.series) {
      const labels = { method: s.method, route: s.route, status_code: String(s.status) }
      let cumulative = 0
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` })
      })
      values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` })
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: s.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  reset () {}
}
