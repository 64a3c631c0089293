// Fleet view initial load with 2,000 services, in real headless Chromium against the built hub.
// The store is seeded with a state per service (5% down, 5% degraded, with latencies) and one check a
// day for 90 days (so every uptime bar has segments); the scheduler is off, so nothing else runs.
// Measured per load, in a fresh browser context (cold cache), from navigation start:
//   rendered: the 2,000 cards are in the DOM (window.__fleetRenderedAt)
//   painted:  the frame after, once layout and paint are done (window.__fleetPaintedAt)
//   bars:     the 90-day uptime bars filled in from GET /uptime/bars (window.__fleetBarsAt)
// Median of 5 loads; the target is painted < 1 s.
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const PASSWORD = 'bench-password-1'
const DAY = 86_400_000

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const round = (x) => Math.round(x)

async function seed (buildApp, loadConfig, dataDir, services) {
  const defs = Array.from({ length: services }, (_, i) => ({
    name: `svc-${String(i).padStart(4, '0')}`, url: `http://127.0.0.1:9/${i}`, tags: [`team-${i % 20}`, i % 2 ? 'shop' : 'core'],
  }))
  const config = loadConfig({ env: {}, overrides: { dataDir, adminPassword: PASSWORD, logLevel: 'silent', healthScheduler: false } })
  const app = await buildApp(config)
  await app.ready()
  for (const d of defs) await app.health.create(d)
  const now = Date.now()
  const today = Math.floor(now / DAY) * DAY
  for (let day = 89; day >= 0; day--) {
    const items = defs.map((d, i) => ({
      check: { service: d.name, at: Math.min(today - day * DAY + 3_600_000, now - 1000), verdict: (i + day) % 37 === 0 ? 'down' : 'up', latencyMs: 5 + (i % 90), httpStatus: 200, errorClass: null, message: null, tlsDaysLeft: null },
    }))
    await app.store.health.recordChecks(items)
  }
  // the current state of each service, as the scheduler would have stored it
  await app.store.health.recordChecks(defs.map((d, i) => {
    const state = i % 20 === 0 ? 'down' : i % 20 === 1 ? 'degraded' : 'up'
    const check = { service: d.name, at: now - 1000, verdict: state, latencyMs: 5 + (i % 90), httpStatus: state === 'down' ? 500 : 200, errorClass: state === 'down' ? 'status' : null, message: state === 'down' ? 'HTTP 500' : null, tlsDaysLeft: null }
    return { check, change: { at: now - 1000, state: { service: d.name, state, since: now - 60_000, failures: 0, notUp: 0, successes: 0, notDown: 0, incidentId: null, lastCheck: check } } }
  }))
  await app.close()
}

export async function runDashboardBench ({ services = 2000, loads = 5, barsTargetMs = 1500 } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  const { buildApp } = await import('../dist/app.js')
  const { loadConfig } = await import('../dist/config.js')
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-dashboard-'))
  let app
  let browser
  try {
    const t0 = performance.now()
    await seed(buildApp, loadConfig, dataDir, services)
    console.log(`dashboard bench: seeded ${services} services with 90 days of checks in ${round(performance.now() - t0)} ms`)
    app = await buildApp(loadConfig({ env: {}, overrides: { dataDir, adminPassword: PASSWORD, logLevel: 'silent', healthScheduler: false } }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${app.server.address().port}`
    const auth = { authorization: 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64') }
    const api = {}
    for (const path of ['/services', '/uptime/bars?days=90', '/uptime/daily?days=90']) {
      const t = performance.now()
      const res = await fetch(base + path, { headers: auth })
      const body = await res.arrayBuffer()
      api[path] = { ms: round(performance.now() - t), kb: round(body.byteLength / 1024) }
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    const rendered = []
    const painted = []
    const bars = []
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ httpCredentials: { username: 'admin', password: PASSWORD }, viewport: { width: 1280, height: 800 } })
      const page = await context.newPage()
      await page.goto(`${base}/#/fleet`)
      await page.waitForFunction((n) => document.querySelector('#fleet-grid')?.dataset.renderedCount === String(n) && window.__fleetPaintedAt && window.__fleetBarsAt, services, { timeout: 30_000 })
      const t = await page.evaluate(() => ({ rendered: window.__fleetRenderedAt, painted: window.__fleetPaintedAt, bars: window.__fleetBarsAt }))
      rendered.push(t.rendered)
      painted.push(t.painted)
      bars.push(t.bars)
      await context.close()
    }
    const result = {
      services,
      loads,
      renderedMs: { median: round(median(rendered)), all: rendered.map(round) },
      paintedMs: { median: round(median(painted)), all: painted.map(round) },
      uptimeBarsMs: { median: round(median(bars)), all: bars.map(round) },
      api,
      targetMs: 1000,
      pass: median(painted) < 1000,
      barsTargetMs,
      barsPass: median(bars) < barsTargetMs,
    }
    console.log(`dashboard bench: fleet view with ${services} services, ${loads} cold loads: cards rendered median ${result.renderedMs.median} ms [${result.renderedMs.all.join(', ')}], painted median ${result.paintedMs.median} ms [${result.paintedMs.all.join(', ')}]; target < 1000 ms: ${result.pass ? 'met' : 'MISSED'}; 90-day bars filled median ${result.uptimeBarsMs.median} ms [${result.uptimeBarsMs.all.join(', ')}]`)
    console.log(`dashboard bench: ${Object.entries(api).map(([path, a]) => `GET ${path} ${a.ms} ms (${a.kb} KiB)`).join(', ')}`)
    return result
  } finally {
    await browser?.close()
    await app?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runDashboardBench()
