// Probing benchmark: 2,000 services on local target servers (in a child process, so their CPU is not
// counted as the hub's), 10 s interval, 10% hanging until their timeout. Measures the hub's CPU share
// of one core, p99 schedule drift, event-loop delay p99 and probes/s over a steady window.
// Runs against the built app: `npm run build` first. Alone: `node bench/probe.js`.
import { fork, execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const SELF = fileURLToPath(import.meta.url)

/** Child process: target servers on 127.0.0.1; /ok answers at once, /hang never. */
async function serveTargets (count) {
  const ports = []
  for (let i = 0; i < count; i++) {
    const server = createServer((req, res) => {
      if (req.url.startsWith('/hang')) return
      res.setHeader('content-type', 'application/json')
      res.end('{"status":"UP"}')
    })
    server.keepAliveTimeout = 5000
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    ports.push(server.address().port)
  }
  process.send({ ports })
}

export async function runProbeBench (opts = {}) {
  const services = opts.services ?? 2000
  const intervalMs = opts.intervalMs ?? 10_000
  const timeoutMs = opts.timeoutMs ?? 5_000
  const hangShare = opts.hangShare ?? 0.1
  const warmupMs = opts.warmupMs ?? intervalMs + timeoutMs
  const measureMs = opts.measureMs ?? 25_000
  const servers = opts.servers ?? 20
  const log = opts.log ?? ((line) => process.stdout.write(line + '\n'))

  const { buildApp } = await import('../dist/app.js')
  const { loadConfig } = await import('../dist/config.js')

  const child = fork(SELF, ['--targets', String(servers)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  // the targets' CPU goes to core 1, away from the hub's (when the hub runs pinned to core 0)
  if (opts.pinTargets !== false && existsSync('/usr/bin/taskset') && cpus().length >= 2) execFileSync('taskset', ['-pc', '1', String(child.pid)], { stdio: 'ignore' })
  const { ports } = await new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', (c) => reject(new Error(`targets exited ${c}`))) })
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-probe-'))
  const defs = Array.from({ length: services }, (_, i) => ({
    name: `svc-${i}`,
    url: `http://127.0.0.1:${ports[i % ports.length]}/${i % Math.round(1 / hangShare) === 0 ? 'hang' : 'health'}/${i}`,
    interval: intervalMs,
    timeout: timeoutMs,
    json: [{ path: 'status', equals: 'UP' }],
  }))
  // opts.hub: more config overrides (e.g. { writerMode: 'thread' })
  const config = loadConfig({ env: {}, overrides: { dataDir, adminPassword: 'bench-password-1', logLevel: 'silent', services: defs, ...opts.hub } })
  const app = await buildApp(config)
  // peak resident memory over the whole run (services loaded, warm-up and measurement)
  let peakRss = process.memoryUsage.rss()
  const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()) }, 200)
  try {
    await app.ready()
    log(`probe bench: ${services} services on ${servers} target servers, interval ${intervalMs} ms, ${hangShare * 100}% hanging until ${timeoutMs} ms; warm-up ${warmupMs} ms, measuring ${measureMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, warmupMs))

    const eld = monitorEventLoopDelay({ resolution: 10 })
    eld.enable()
    app.health.resetDrift()
    const started0 = app.health.schedulerStats().started
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, measureMs))
    const cpu = process.cpuUsage(cpu0)
    const elapsed = performance.now() - t0
    eld.disable()
    const stats = app.health.schedulerStats()
    const report = app.health.checkServices()
    const result = {
      services,
      probesPerSecond: Math.round(((stats.started - started0) / elapsed) * 1000 * 10) / 10,
      cpuShareOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 1000) / 1000,
      driftP99Ms: stats.driftP99Ms === null ? null : Math.round(stats.driftP99Ms * 10) / 10,
      eventLoopDelayP99Ms: Math.round((eld.percentile(99) / 1e6) * 10) / 10,
      skipped: stats.skipped,
      peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage.rss()) / 1048576),
      // the machine's 1-minute load average at the end: above the core count, the hub waits for a core
      loadAverage: Math.round(loadavg()[0] * 10) / 10,
      up: report.healthy,
      down: report.unhealthy,
      degraded: report.degraded,
    }
    log(`  probes/s            ${result.probesPerSecond}`)
    log(`  hub CPU (one core)  ${(result.cpuShareOfOneCore * 100).toFixed(1)} %   (target < 25 %)`)
    log(`  schedule drift p99  ${result.driftP99Ms} ms   (target < 1000 ms)`)
    log(`  event-loop p99      ${result.eventLoopDelayP99Ms} ms   (target < 50 ms)`)
    log(`  peak RSS            ${result.peakRssMb} MB`)
    log(`  load average        ${result.loadAverage} (${cpus().length} cores)`)
    log(`  states              up ${result.up}, down ${result.down}, degraded ${result.degraded}; skipped turns ${result.skipped}`)
    return result
  } finally {
    clearInterval(rssTimer)
    await app.close()
    child.kill()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--targets') {
  serveTargets(Number(process.argv[3]))
} else if (process.argv[1] === SELF) {
  // `node bench/probe.js '{"services":20000,"intervalMs":30000}'`: options as JSON; `--json` prints the result as one line
  const json = process.argv.includes('--json')
  const arg = process.argv.slice(2).find((a) => a.startsWith('{'))
  runProbeBench({ ...(arg ? JSON.parse(arg) : {}), ...(json ? { log: (line) => process.stderr.write(line + '\n') } : {}) })
    .then((r) => { if (json) process.stdout.write(JSON.stringify(r) + '\n'); process.exit(0) }, (err) => { console.error(err); process.exit(1) })
}
