// Scale suite, audit rows (issue 15): GET /audit/verify over a 1 M-entry trail, and audit appends in
// batches of 100 at full durability over HTTP.
//
// The trail is generated, never committed: 1 M entries (100,000 with SCALE_QUICK=1) chained by the
// domain (chainEntries, the code the hub's appender runs) and appended through the store port
// (store.audit.append, 1000 a write, the hub's own compare-and-append), with a checkpoint signed by
// the hub's key every 1000 entries (MCP_AUDIT_CHECKPOINT_EVERY's default), so verify checks those
// signatures too. Through the API it would take minutes at the append rate measured below.
// Then the built hub (dist/server.js) starts on that data dir pinned to core 0: verify is timed from
// core 1 (median of BENCH_ROUNDS, default 3); appends are autocannon runs from core 1 with 10
// connections and 100 entries a request (median of the rounds, BENCH_SECONDS each, default 5).
// Run alone: `node bench/scale/audit.js` (after `npm run build`).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { entry } from '../audit.js'
import { ROOT, autocannon, cpuSeconds, fmt, median, pinnedNode, tempDataDir } from '../lib.js'

const TOKEN = 'bench-token-0123456789abcdef'
const PASSWORD = 'bench-password-123'
const BASIC = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64')
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href)

/** an entry as the bench/audit.js suite sends it: an agent's refund, on behalf of a person */
const body = entry

/** Appends `total` entries through the store port, with signed checkpoints; answers seconds taken. */
async function buildTrail (dataDir, total) {
  const { createSqliteStore } = await dist('store/sqlite/sqlite-store.js')
  const { chainEntries, signCheckpoint } = await dist('domain/audit/hash-chain.js')
  const { loadSigningKey } = await dist('domain/audit/adapters/key-files.js')
  const key = loadSigningKey(undefined, dataDir)
  // full durability like the hub: the trail is set up, not measured, and a commit of 1000 is cheap
  const store = await createSqliteStore({ dataDir, durability: 'full' })
  const started = Date.now()
  const time = Date.parse('2026-01-01T00:00:00Z')
  let tip
  try {
    for (let seq = 0; seq < total;) {
      const drafts = []
      for (let i = 0; i < 1000 && seq + i < total; i++) {
        const n = seq + i
        const b = body(n)
        drafts.push({
          ...b,
          id: `01J${String(n).padStart(23, '0')}`,
          time: new Date(time + n * 30).toISOString(),
          actor: { ...b.actor, name: null },
          reason: null,
          clientIp: '10.0.0.' + (n % 250),
          requestId: `req-${n}`,
          submittedBy: 'service:token-bench',
        })
      }
      const entries = chainEntries(tip, drafts)
      await store.audit.append(entries)
      tip = entries[entries.length - 1]
      seq += entries.length
      await store.audit.addCheckpoint(signCheckpoint({ seq: tip.seq, hash: tip.hash, time: tip.time }, key.privateKey, key.keyId))
    }
  } finally {
    await store.close()
  }
  return (Date.now() - started) / 1000
}

export async function run ({ quick = process.env.SCALE_QUICK === '1' } = {}) {
  if (!existsSync(join(ROOT, 'dist/server.js'))) throw new Error('dist/server.js is missing: run `npm run build` first')
  const total = quick ? 100_000 : 1_000_000
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const seconds = Number(process.env.BENCH_SECONDS ?? 5)
  const data = tempDataDir()
  try {
    const buildSecs = await buildTrail(data.dir, total)
    // the hub as dist/server.js builds it, but with the log silent (as bench/audit.js): no line per request
    const hub = await startPinned({
      MCP_SERVE: '1',
      MCP_DATA_DIR: data.dir,
      MCP_ADMIN_PASSWORD: PASSWORD,
      MCP_INGEST_TOKENS: TOKEN,
      MCP_LOG_LEVEL: 'silent',
      MCP_RATE_LIMIT_MAX: '100000000',
      MCP_DURABILITY: 'full',
    })
    try {
      // wall time, and the hub's CPU time: other work on a shared machine slows the first, not the second
      const verifies = []
      const perCpu = []
      for (let r = 0; r < rounds; r++) {
        const cpu0 = cpuSeconds(hub.pid)
        const t0 = process.hrtime.bigint()
        const res = await fetch(`${hub.url}/audit/verify`, { headers: { authorization: BASIC } })
        const report = await res.json()
        const secs = Number(process.hrtime.bigint() - t0) / 1e9
        if (!report.ok || report.checked !== total) throw new Error(`the trail does not verify: ${JSON.stringify(report)}`)
        verifies.push(report.checked / secs)
        perCpu.push(report.checked / Math.max(0.01, cpuSeconds(hub.pid) - cpu0))
      }
      const batch = JSON.stringify(Array.from({ length: 100 }, (_, i) => body(i)))
      await autocannon({ url: `${hub.url}/audit`, connections: 10, duration: 1, body: batch, headers: { authorization: `Bearer ${TOKEN}` } })
      const appends = []
      const appendCpu = []
      for (let r = 0; r < rounds; r++) {
        const cpu0 = cpuSeconds(hub.pid)
        const res = await autocannon({ url: `${hub.url}/audit`, connections: 10, duration: seconds, body: batch, headers: { authorization: `Bearer ${TOKEN}` } })
        if (res.errors + res.non2xx > 0) throw new Error(`append: ${res.errors} errors, ${res.non2xx} non-2xx answers`)
        appends.push(res['2xx'] * 100 / res.duration)
        appendCpu.push(res['2xx'] * 100 / Math.max(0.01, cpuSeconds(hub.pid) - cpu0))
      }
      const verify = median(verifies)
      const append = median(appends)
      const size = quick ? '100k (SCALE_QUICK)' : '1 M'
      return [
        {
          what: `\`/audit/verify\` over ${size} entries (built through the store port in ${fmt(buildSecs)} s)`,
          today: '28k–57k entries/s',
          target: '≥ 500,000 entries/s',
          measured: `${fmt(verify)} entries/s (rounds ${verifies.map((v) => fmt(v / 1000) + 'k').join(', ')}); ${fmt(median(perCpu))} per CPU-second of the hub`,
          met: verify >= 500_000,
        },
        {
          what: 'audit append, full durability, batches of 100 (10 connections, HTTP)',
          today: '20k–26k/s',
          target: '≥ 50,000/s',
          measured: `${fmt(append)} entries/s (rounds ${appends.map((v) => fmt(v / 1000, 1) + 'k').join(', ')}); ${fmt(median(appendCpu))} per CPU-second of the hub`,
          met: append >= 50_000,
        },
      ]
    } finally {
      await hub.stop()
    }
  } finally {
    data.remove()
  }
}

/**
 * This file in child mode, pinned to core 0 (lib.js's pinnedNode); resolves once it prints its address.
 * Start-up compiles every route's schemas, which on a shared 2-core machine can take longer than
 * lib.js's startServer waits: this waits up to two minutes.
 */
function startPinned (env) {
  const child = pinnedNode(0, [fileURLToPath(import.meta.url)], { env: { ...process.env, ...env } })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the hub did not start: ${err}`)) }, 120_000)
    const onExit = (code) => { clearTimeout(timer); reject(new Error(`the hub exited with ${code}: ${err}`)) }
    child.once('exit', onExit)
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout.resume()
      resolve({
        url: m[1],
        pid: child.pid,
        stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 10_000).unref() }),
      })
    })
  })
}

/** Child mode (MCP_SERVE=1): the built hub on 127.0.0.1, port 0, its address printed as lib.js waits for it. */
async function serve () {
  const { buildApp } = await dist('app.js')
  const { loadConfig } = await dist('config.js')
  const app = await buildApp(loadConfig({ env: process.env }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  console.log(`listening at http://127.0.0.1:${app.server.address().port}`)
  process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
}

if (process.env.MCP_SERVE === '1') {
  await serve()
} else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await run()
  console.log('| what | today | target | measured | met |\n|---|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.what} | ${r.today} | ${r.target} | ${r.measured} | ${r.met ? 'yes' : 'no'} |`)
}
