// Scrape benchmark: the hub with 2,000 services (states, latency histograms and uptime filled by one
// real probe round against a local target), scraped back to back on one connection as Prometheus does.
// Target: p99 under 50 ms. Runs against the built app: `npm run build` first. Alone: `node bench/scrape.js`.
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startHub, autocannon, tempDataDir, fmt, median } from './lib.js'

const PASSWORD = 'bench-password-123'
const auth = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64')

export async function runScrapeBench ({ services = 2000, duration = Number(process.env.BENCH_DURATION ?? 5) * 2, rounds = 1 } = {}) {
  const target = createServer((req, res) => { res.statusCode = req.url.includes('down') ? 503 : 200; res.end('{"status":"UP"}') })
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve))
  const port = target.address().port
  const data = tempDataDir()
  const file = join(data.dir, 'mcp.yaml')
  const lines = ['services:']
  for (let i = 0; i < services; i++) {
    lines.push(`  - name: svc-${i}`, `    url: http://127.0.0.1:${port}/${i % 20 === 0 ? 'down' : 'ok'}/${i}`, '    interval: 60000', '    timeout: 5000', `    tags: [team-${i % 10}]`)
  }
  writeFileSync(file, lines.join('\n') + '\n')
  const hub = await startHub({
    MCP_HOST: '127.0.0.1',
    MCP_PORT: '0',
    MCP_DATA_DIR: data.dir,
    MCP_ADMIN_PASSWORD: PASSWORD,
    MCP_CONFIG: file,
    MCP_HEALTH_SCHEDULER: 'false',
    MCP_RATE_LIMIT_MAX: '100000000',
    MCP_LOG_LEVEL: 'info',
  }, [], 120_000)
  try {
    const refresh = await fetch(`${hub.url}/check-services?refresh=true`, { headers: { authorization: auth } })
    const fleet = await refresh.json()
    // fill the uptime cache as the background refresh would
    await fetch(`${hub.url}/metrics/prometheus`)
    const first = await (await fetch(`${hub.url}/metrics/prometheus`)).text()
    const series = first.split('\n').filter((l) => l && !l.startsWith('#')).length
    console.log(`\n## scrape: GET /metrics/prometheus, ${services} services (${fleet.healthy} up, ${fleet.unhealthy} down), ${fmt(series)} series, ${fmt(first.length / 1024)} KiB, 1 connection × ${duration} s${rounds > 1 ? ` × ${rounds} rounds` : ''}`)
    // 2 s unmeasured first, as the other suites do: the first seconds after start run unoptimised code
    await autocannon({ url: `${hub.url}/metrics/prometheus`, connections: 1, duration: 2, method: 'GET' })
    const runs = []
    for (let i = 0; i < rounds; i++) {
      const r = await autocannon({ url: `${hub.url}/metrics/prometheus`, connections: 1, duration, method: 'GET' })
      console.log(`  ${fmt(r.requests.average, 1)} scrapes/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   max ${r.latency.max} ms   errors ${r.errors + r.non2xx}   (target p99 < 50 ms)`)
      runs.push(r)
    }
    const mid = (f) => median(runs.map(f))
    return { services, series, bytes: first.length, scrapesPerSec: mid((r) => r.requests.average), p50: mid((r) => r.latency.p50), p99: mid((r) => r.latency.p99), p99s: runs.map((r) => r.latency.p99), errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0) }
  } finally {
    await hub.stop()
    target.close()
    data.remove()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runScrapeBench()
