// Issue 15, the events rows: ingest ratios against the bare Fastify floor, GET /events over 10 M stored
// events, RSS and start-up on that database, ingest at 10 M vs at 0, ingest p99 while retention deletes
// 1 M expired events. The 10 M data set is written through the store port (createSqliteStore, the
// engine the hub runs), not the API: 10 M events over HTTP would take most of the run, and only the
// store can give events receive times spread over a year (ids are ULIDs of the receive time).
// SCALE_QUICK=1: 1 M events, of which 100,000 expired. Servers on core 0, load on core 1 (bench/lib.js).
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { monotonicFactory } from 'ulidx'
import { ROOT, startServer, startHub, autocannon, median, tempDataDir, fmt, cpuSeconds } from '../lib.js'

const PASSWORD = 'bench-password-123'
const AUTH = { authorization: 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64') }
const DAY = 86_400_000
const TYPES = Array.from({ length: 20 }, (_, i) => `type.${i}`)
const SOURCES = Array.from({ length: 100 }, (_, i) => `source-${i}`)
const single = JSON.stringify({ type: 'order.created', source: 'order', severity: 'INFO', payload: { orderId: 12345, total: 42.5, items: [{ sku: 'ROSE-12', qty: 2 }], customer: 'c-981' } })
const batch = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ type: 'cart.updated', source: 'cart', severity: 'DEBUG', payload: { cartId: i, items: i % 7, total: i * 1.5 } })))

/** 30 % DEBUG, 55 % INFO, 10 % WARN, 4 % ERROR, 1 % FATAL, spread evenly through the table */
const severityOf = (i) => { const k = (i * 37) % 100; return k < 30 ? 'DEBUG' : k < 85 ? 'INFO' : k < 95 ? 'WARN' : k < 99 ? 'ERROR' : 'FATAL' }

/**
 * Writes `total` events through the store port: the first `expired` received 400 to 370 days ago, the
 * rest spread over the last 360 days, in receive order. Answers the ids and times the queries need.
 */
async function buildDataSet (dataDir, total, expired) {
  const { createSqliteStore } = await import(pathToFileURL(join(ROOT, 'dist/store/sqlite/sqlite-store.js')).href)
  const store = await createSqliteStore({ dataDir, durability: 'normal' })
  // Math.random for the random part: the data set needs unique ids in order, not unguessable ones (crypto
  // random bytes for every id took most of the build's time)
  const nextId = monotonicFactory(() => Math.random())
  const now = Date.now()
  const timeOf = (i) => i < expired
    ? now - 400 * DAY + Math.floor(i * (30 * DAY) / expired)
    : now - 360 * DAY + Math.floor((i - expired) * (360 * DAY - 60_000) / (total - expired))
  const CHUNK = 5000
  const marks = { mid: Math.floor(expired + (total - expired) / 2) }
  const started = Date.now()
  let pending = null
  for (let at = 0; at < total; at += CHUNK) {
    const rows = []
    for (let i = at; i < Math.min(total, at + CHUNK); i++) {
      const receivedAt = timeOf(i)
      const severity = severityOf(i)
      const id = nextId(receivedAt)
      if (i === marks.mid) marks.midId = id
      rows.push({ id, type: TYPES[i % TYPES.length], source: SOURCES[(i * 7) % SOURCES.length], severity, time: null, producerId: null, traceparent: null, payloadJson: `{"n":${i},"order":"o-${i % 9973}","total":${(i % 500) * 1.25}}`, attributesJson: null, receivedAt })
    }
    // one append in flight while the next chunk is built
    if (pending) await pending
    pending = store.events.append(rows)
  }
  await pending
  await store.close()
  return { ...marks, midTime: timeOf(marks.mid), buildSeconds: (Date.now() - started) / 1000 }
}

const hubEnv = (dir, extra = {}) => ({ MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_DATA_DIR: dir, MCP_ADMIN_PASSWORD: PASSWORD, MCP_INGEST_RATE_LIMIT_MAX: '100000000', MCP_RATE_LIMIT_MAX: '100000000', MCP_LOG_LEVEL: 'info', MCP_EVENTS_RETENTION_DAYS: '100000', MCP_HEALTH_SCHEDULER: 'false', ...extra })

function rssMb (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/**
 * One load run on a started server; answers requests/s, latency percentiles and the server's CPU per
 * request (from /proc: it depends far less than requests/s on what else runs on the machine).
 */
async function load (server, { connections, duration, warmup, body, url = '/events', method = 'POST', headers }) {
  if (warmup > 0) await autocannon({ url: `${server.url}${url}`, connections, duration: warmup, body, method, headers })
  const cpuBefore = cpuSeconds(server.child.pid)
  const r = await autocannon({ url: `${server.url}${url}`, connections, duration, body, method, headers })
  if (r.non2xx + r.errors > 0) throw new Error(`${method} ${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUs: (cpuSeconds(server.child.pid) - cpuBefore) * 1e6 / r.requests.total }
}

/** Floor and hub (fresh data dir each) alternating over rounds; answers the medians and the ratio. */
async function ratioRun (scenario, env, rounds, duration, warmup) {
  const runs = { floor: [], hub: [] }
  for (let round = 0; round < rounds; round++) {
    for (const target of round % 2 ? ['hub', 'floor'] : ['floor', 'hub']) {
      const data = target === 'hub' ? tempDataDir() : null
      const server = target === 'hub' ? await startHub(hubEnv(data.dir, env)) : await startServer(join(ROOT, 'bench/floor.js'))
      try {
        // the process's RSS after its load too: what the hub holds on an empty database, and the floor
        runs[target].push({ ...await load(server, { ...scenario, duration, warmup }), rss: rssMb(server.child.pid).rss })
      } finally {
        await server.stop()
        data?.remove()
      }
    }
  }
  const rps = (t) => median(runs[t].map((x) => x.rps))
  const cpu = (t) => median(runs[t].map((x) => x.cpuUs))
  const rss = (t) => median(runs[t].map((x) => x.rss))
  return { floor: rps('floor'), hub: rps('hub'), ratio: rps('hub') / rps('floor'), floorCpu: cpu('floor'), hubCpu: cpu('hub'), cpuRatio: cpu('floor') / cpu('hub'), floorRss: rss('floor'), hubRss: rss('hub') }
}

const ratioText = (r) => `${fmt(r.ratio, 2)} (hub ${fmt(r.hub)} req/s, floor ${fmt(r.floor)} req/s); by server CPU per request ${fmt(r.cpuRatio, 2)} (floor ${fmt(r.floorCpu, 1)} µs, hub ${fmt(r.hubCpu, 1)} µs)`

/** Starts the hub on `dir` and answers the time from spawn to its listening line. */
async function timedStart (dir, env) {
  const t0 = process.hrtime.bigint()
  const hub = await startHub(hubEnv(dir, env))
  return { hub, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }
}

export async function run ({ quick = process.env.SCALE_QUICK === '1' } = {}) {
  const total = quick ? 1_000_000 : 10_000_000
  const expired = total / 10
  const label = quick ? '1 M' : '10 M'
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 5))
  const warmup = Number(process.env.BENCH_WARMUP ?? 2)
  const rows = []
  const row = (what, today, target, measured, met) => { rows.push({ what, today, target, measured, met }); console.error(`events: ${what}: ${measured}`) }

  // 1. ingest ratios on an empty database, against the floor in the same run
  const singleLoad = { body: single, connections: 50 }
  const full = await ratioRun(singleLoad, { MCP_DURABILITY: 'full' }, rounds, duration, warmup)
  row('single-event ingest, `full` durability, 50 connections, vs bare Fastify floor', '0.34–0.42', '≥ 0.5',
    ratioText(full), full.ratio >= 0.5)
  const normal = await ratioRun(singleLoad, { MCP_DURABILITY: 'normal' }, rounds, duration, warmup)
  row('the same at `normal` durability', '0.56', '≥ 0.7', ratioText(normal), normal.ratio >= 0.7)
  const batches = await ratioRun({ body: batch, connections: 10 }, { MCP_DURABILITY: 'full' }, rounds, duration, warmup)
  const batchRate0 = batches.hub * 1000
  row('1000-event batches (`full` durability, 10 connections)', '128k–161k events/s', '≥ 250,000 events/s', `${fmt(batchRate0)} events/s; server CPU ${fmt(batches.hubCpu / 1000, 2)} µs per event (${fmt(1e6 / (batches.hubCpu / 1000))} events per CPU-second)`, batchRate0 >= 250_000)

  // 2. the data set, through the store port
  const data = tempDataDir()
  try {
    const marks = await buildDataSet(data.dir, total, expired)
    console.error(`events: ${label} events written through the store port in ${fmt(marks.buildSeconds)} s`)

    // 3. start-up on that database (median of three starts), then the queries
    const starts = []
    let hub = null
    for (let i = 0; i < 3; i++) {
      const s = await timedStart(data.dir)
      starts.push(s.seconds)
      if (i < 2) await s.hub.stop()
      else hub = s.hub
    }
    const startSeconds = median(starts)
    const rssAtStart = rssMb(hub.child.pid).rss
    let peak = 0
    try {
      // a cursor 100 pages deep (100 events a page), followed the way a client does
      let cursor = null
      for (let page = 0; page < 100; page++) {
        const r = await fetch(`${hub.url}/events${cursor ? `?cursor=${cursor}` : ''}`, { headers: AUTH })
        cursor = (await r.json()).nextCursor
      }
      const mid = new Date(marks.midTime).toISOString()
      const hourBefore = new Date(marks.midTime - 3_600_000).toISOString()
      const shapes = [
        ['newest page', '/events'],
        ['by type', '/events?type=type.7'],
        ['by source', '/events?source=source-42'],
        ['by severity (ERROR, 4 %)', '/events?severity=ERROR'],
        ['by severity (FATAL, 1 %)', '/events?severity=FATAL'],
        ['`until=` a time in the middle', `/events?until=${encodeURIComponent(mid)}`],
        ['an hour in the middle (`since=` + `until=`)', `/events?since=${encodeURIComponent(hourBefore)}&until=${encodeURIComponent(mid)}`],
        ['cursor paging, page 101', `/events?cursor=${cursor}`],
        ['by id', `/events/${marks.midId}`],
      ]
      const measured = []
      for (const [name, url] of shapes) {
        const runs = []
        for (let round = 0; round < rounds; round++) runs.push(await load(hub, { url, method: 'GET', headers: AUTH, connections: 1, duration: Math.min(duration, 3), warmup: round === 0 ? 1 : 0 }))
        measured.push({ name, p50: median(runs.map((x) => x.p50)), p99: median(runs.map((x) => x.p99)), cpuUs: median(runs.map((x) => x.cpuUs)) })
      }
      const worst = Math.max(...measured.map((m) => m.p99))
      row(`\`GET /events\` over ${label} stored events (1 connection; p50/p99 ms, server CPU µs per request)`, 'at 2 M: p99 3.5–8.8 ms, but `until=` a time in the middle p50 67 ms, p99 108 ms', 'each p99 < 20 ms',
        measured.map((m) => `${m.name} ${m.p50}/${m.p99} (${fmt(m.cpuUs)} µs)`).join('; '), worst < 20)

      // 4. ingest at N stored events (batches, as at 0 above), then the hub's RSS
      const at10m = []
      for (let round = 0; round < rounds; round++) at10m.push(await load(hub, { body: batch, connections: 10, duration, warmup: round === 0 ? warmup : 0 }))
      const rateN = median(at10m.map((x) => x.rps)) * 1000
      const cpuN = median(at10m.map((x) => x.cpuUs)) / 1000
      row(`ingest rate at ${label} stored events vs at 0 (1000-event batches)`, 'not measured', '≥ 0.8',
        `${fmt(rateN / batchRate0, 2)} (${fmt(rateN)} vs ${fmt(batchRate0)} events/s); by server CPU per event ${fmt(batches.hubCpu / 1000 / cpuN, 2)} (${fmt(cpuN, 2)} vs ${fmt(batches.hubCpu / 1000, 2)} µs)`, rateN / batchRate0 >= 0.8)
      const mem = rssMb(hub.child.pid)
      peak = mem.peak
      row(`hub RSS on ${label} stored events (after the queries and ${fmt(rounds * duration)} s of batch ingest), and start-up time on that database`, 'not measured', '< 150 MB; start < 2 s',
        `RSS ${fmt(mem.rss)} MB (peak ${fmt(peak)} MB), ${fmt(rssAtStart)} MB right after start; for scale, after the same batch load on an empty database the hub held ${fmt(batches.hubRss)} MB and the bare Fastify floor ${fmt(batches.floorRss)} MB; start ${fmt(startSeconds, 2)} s (median of 3: ${starts.map((s) => s.toFixed(2)).join(', ')})`, mem.rss < 150 && peak < 150 && startSeconds < 2)
    } finally {
      await hub.stop()
    }

    // 5. retention: single-event ingest p99 without, then with retention deleting the expired events
    const retentionLoad = { body: single, connections: 50, duration: Math.max(duration, 10), warmup: 0 }
    const plain = await timedStart(data.dir)
    let without
    try { without = await load(plain.hub, retentionLoad) } finally { await plain.hub.stop() }
    const pruning = await timedStart(data.dir, { MCP_EVENTS_RETENTION_DAYS: '365' })
    let withRetention
    let remaining
    try {
      withRetention = await load(pruning.hub, retentionLoad)
      const r = await fetch(`${pruning.hub.url}/events?until=${encodeURIComponent(new Date(Date.now() - 365 * DAY).toISOString())}&limit=1`, { headers: AUTH })
      remaining = (await r.json()).events.length
    } finally { await pruning.hub.stop() }
    row(`retention deleting ${fmt(expired)} expired events during ingest (single events, 50 connections, ${retentionLoad.duration} s): ingest p99`, 'not measured', '< 2× its p99 without retention',
      `${withRetention.p99} ms with, ${without.p99} ms without (${fmt(withRetention.p99 / without.p99, 2)}×); ${fmt(withRetention.rps)} vs ${fmt(without.rps)} req/s; ${remaining === 0 ? 'every expired event deleted within the run' : 'retention still running at the end of the run'}`,
      withRetention.p99 < 2 * without.p99)
  } finally {
    data.remove()
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`| ${r.what} | ${r.today} | ${r.target} | ${r.measured} | ${r.met ? 'yes' : 'no'} |`)
}
