// Scale rows of the fleet (issue 15): probing 2,000 services at 10 s and 20,000 at 30 s (10 % hanging
// until their 5 s timeout), the Prometheus scrape at 5,000 services, the dashboard's fleet view at
// 5,000 services in Chromium. Services come from the config (probe, scrape) or the API (dashboard);
// the dashboard's 90 days of checks go through the store port (the API has no way to back-date checks).
// Each probe round runs bench/probe.js in its own process pinned to core 0 (its target servers are
// moved to core 1); the scrape hub is pinned to core 0 and autocannon to core 1; the dashboard runs
// hub and Chromium unpinned in one process (Chromium needs both cores). Medians of several rounds.
// SCALE_QUICK=1 (or run({ quick: true })): a tenth of the services, one round.
// Runs against the built app: `npm run build` first. Alone: `node bench/scale/fleet.js`.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT, pinnedNode, median, fmt } from '../lib.js'
import { runScrapeBench } from '../scrape.js'
import { runDashboardBench } from '../dashboard.js'

/** One probe round in a process pinned to core 0; resolves with bench/probe.js's result. */
function probeRound (opts) {
  const child = pinnedNode(0, [join(ROOT, 'bench/probe.js'), JSON.stringify(opts), '--json'])
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => process.stderr.write(d))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/probe.js exited with ${code}`))
      resolve(JSON.parse(out.trim().split('\n').pop()))
    })
  })
}

async function probeRounds (opts, rounds) {
  const runs = []
  for (let i = 0; i < rounds; i++) runs.push(await probeRound(opts))
  const mid = (f) => median(runs.map(f))
  return {
    probesPerSecond: mid((r) => r.probesPerSecond),
    cpu: mid((r) => r.cpuShareOfOneCore),
    driftP99Ms: mid((r) => r.driftP99Ms ?? Infinity),
    peakRssMb: mid((r) => r.peakRssMb),
    eventLoopP99Ms: mid((r) => r.eventLoopDelayP99Ms),
    loadAverage: mid((r) => r.loadAverage),
    all: runs,
  }
}

const pct = (x) => `${(x * 100).toFixed(1)} %`

export async function run ({ quick = process.env.SCALE_QUICK === '1' } = {}) {
  const scale = quick ? 0.1 : 1
  const rounds = quick ? 1 : Number(process.env.SCALE_ROUNDS ?? 3)
  const rows = []
  const n = (x) => Math.round(x * scale)

  // probing: 2,000 services at 10 s
  {
    const services = n(2000)
    const r = await probeRounds({ services, intervalMs: 10_000, timeoutMs: 5_000, hangShare: 0.1 }, rounds)
    rows.push({
      what: `probing ${fmt(services)} services at 10 s, 10 % hanging (hub CPU, one core; median of ${rounds})`,
      today: '17 % of a core',
      target: '< 15 %',
      measured: `${pct(r.cpu)} [${r.all.map((x) => pct(x.cpuShareOfOneCore)).join(', ')}]; ${r.probesPerSecond} probes/s, drift p99 ${r.driftP99Ms} ms (machine load average ${r.loadAverage})`,
      met: r.cpu < 0.15,
    })
  }

  // probing: 20,000 services at 30 s
  {
    const services = n(20_000)
    const needed = services / 30
    const r = await probeRounds({ services, intervalMs: 30_000, timeoutMs: 5_000, hangShare: 0.1 }, rounds)
    rows.push({
      what: `probing ${fmt(services)} services at 30 s, 10 % hanging: probes/s, CPU, drift p99, peak RSS (bench/probe.js pinned; median of ${rounds})`,
      today: '433 of the 667 probes/s needed, drift p99 23 s; 14 % of a core; peak RSS 265 MB',
      target: `${fmt(needed)}/s, < 50 % of a core, < 1 s, < 300 MB`,
      measured: `${fmt(r.probesPerSecond, 1)} of ${fmt(needed, 1)} probes/s, ${pct(r.cpu)} of a core, drift p99 ${fmt(r.driftP99Ms)} ms, peak RSS ${r.peakRssMb} MB (event-loop p99 ${r.eventLoopP99Ms} ms; machine load average ${r.loadAverage})`,
      // the measured window counts starts, which wobble by a few around the steady rate
      met: r.probesPerSecond >= needed * 0.98 && r.cpu < 0.5 && r.driftP99Ms < 1000 && r.peakRssMb < 300,
    })
  }

  // scrape at 5,000 services
  {
    const services = n(5000)
    const r = await runScrapeBench({ services, rounds })
    rows.push({
      what: `/metrics/prometheus scrape at ${fmt(services)} services (${fmt(r.series)} series, ${fmt(r.bytes / 1024)} KiB; median of ${rounds} × 10 s)`,
      today: '2,000: p99 33–43 ms; 5,000: p50 39 ms, p99 80 ms',
      target: 'p99 < 20 ms',
      measured: `p50 ${r.p50} ms, p99 ${r.p99} ms [${r.p99s.join(', ')}]; ${fmt(r.scrapesPerSec, 1)} scrapes/s; errors ${r.errors}`,
      met: r.p99 < 20 && r.errors === 0,
    })
  }

  // the dashboard's fleet view at 5,000 services
  {
    const services = n(5000)
    const r = await runDashboardBench({ services, loads: quick ? 3 : 5 })
    const sizes = Object.entries(r.api).map(([path, a]) => `${path.split('?')[0]} ${fmt(a.kb)} KiB`).join(', ')
    rows.push({
      what: `dashboard fleet view at ${fmt(services)} services in Chromium: cards painted, uptime bars filled (median of ${r.loads} cold loads)`,
      today: '5,000: 1,047 ms, 1,750 ms (GET /services 2 MB, /uptime/daily 5.8 MB)',
      target: '< 1 s, < 1.5 s',
      measured: `${fmt(r.paintedMs.median)} ms, ${fmt(r.uptimeBarsMs.median)} ms (${sizes})`,
      met: r.pass && r.barsPass,
    })
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`| ${r.what} | ${r.today} | ${r.target} | ${r.measured} | ${r.met ? 'yes' : 'no'} |`)
}
