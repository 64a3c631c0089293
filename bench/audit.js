// Audit trail benchmark against the BUILT app (run `npm run build` first):
//   append entries/s, one entry per request and 100 per request (autocannon over 127.0.0.1), and
//   verify entries/s (GET /audit/verify over the trail the appends left).
// The hub runs in a child process; with taskset available it is pinned to core 0 and the load
// generator to core 1. Run alone: `node bench/audit.js` (BENCH_SECONDS, default 5).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const TOKEN = 'bench-token-0123456789abcdef'
const PASSWORD = 'bench-password-123'
const BASIC = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64')

export const entry = (i) => ({
  actor: { type: 'agent', id: `agent-${i % 7}`, onBehalfOf: 'alice' },
  action: 'order.refund',
  target: { type: 'order', id: `o-${i}` },
  outcome: 'success',
  model: 'gpt-4o',
  tool: 'refund',
  argumentsHash: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  metadata: { amount: 12.5, currency: 'EUR' },
})

const hasTaskset = () => spawnSync('taskset', ['--version']).status === 0

/** Child mode: start the hub and print its port. */
async function serve () {
  const { buildApp } = await import(pathToFileURL(join(DIST, 'app.js')).href)
  const { loadConfig } = await import(pathToFileURL(join(DIST, 'config.js')).href)
  const config = loadConfig({ env: process.env })
  const app = await buildApp(config)
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\n')
  process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
}

function startHub (dataDir) {
  const env = {
    ...process.env,
    MCP_DATA_DIR: dataDir,
    MCP_ADMIN_PASSWORD: PASSWORD,
    MCP_INGEST_TOKENS: TOKEN,
    MCP_LOG_LEVEL: 'silent',
    MCP_RATE_LIMIT_MAX: '100000000',
    MCP_AUDIT_MAX_BATCH: '1000',
  }
  const self = fileURLToPath(import.meta.url)
  const [cmd, args] = hasTaskset() ? ['taskset', ['-c', '0', process.execPath, self, '--serve']] : [process.execPath, [self, '--serve']]
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve({ child, port: JSON.parse(out.slice(0, nl)).port })
    })
    child.once('exit', (code) => reject(new Error(`hub exited with code ${code}`)))
  })
}

function load (url, { body, connections, duration }) {
  return new Promise((resolve, reject) => {
    autocannon({
      url,
      method: 'POST',
      connections,
      duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    }, (err, result) => err ? reject(err) : resolve(result))
  })
}

export async function runAuditBench ({ seconds = Number(process.env.BENCH_SECONDS ?? 5) } = {}) {
  if (!existsSync(join(DIST, 'app.js'))) throw new Error('dist/app.js is missing: run `npm run build` first')
  if (hasTaskset()) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)])
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-audit-'))
  const { child, port } = await startHub(dataDir)
  try {
    const url = `http://127.0.0.1:${port}/audit`
    const BATCH = 100
    await load(url, { body: entry(0), connections: 10, duration: 1 }) // warm up

    const single = await load(url, { body: entry(1), connections: 50, duration: seconds })
    const singleOk = single['2xx'] / single.duration
    const batched = await load(url, { body: Array.from({ length: BATCH }, (_, i) => entry(i)), connections: 10, duration: seconds })
    const batchedOk = batched['2xx'] * BATCH / batched.duration

    const runs = []
    for (let i = 0; i < 3; i++) {
      const started = process.hrtime.bigint()
      const res = await fetch(`http://127.0.0.1:${port}/audit/verify`, { headers: { authorization: BASIC } })
      const report = await res.json()
      const secs = Number(process.hrtime.bigint() - started) / 1e9
      if (!report.ok) throw new Error(`the trail does not verify: ${report.reason}`)
      runs.push({ checked: report.checked, secs })
    }
    runs.sort((a, b) => a.secs - b.secs)
    const median = runs[1]
    return {
      durability: process.env.MCP_DURABILITY ?? 'full',
      pinned: hasTaskset(),
      appendSingle: { entriesPerSec: Math.round(singleOk), p50ms: single.latency.p50, p99ms: single.latency.p99, errors: single.errors + single.non2xx },
      appendBatched: { batch: BATCH, entriesPerSec: Math.round(batchedOk), requestsPerSec: Math.round(batched['2xx'] / batched.duration), p99ms: batched.latency.p99, errors: batched.errors + batched.non2xx },
      verify: { entries: median.checked, seconds: Number(median.secs.toFixed(3)), entriesPerSec: Math.round(median.checked / median.secs) },
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', resolve) })
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err) => { process.stderr.write(String(err?.stack ?? err) + '\n'); process.exit(1) })
} else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAuditBench().then((r) => { console.log(JSON.stringify(r, null, 2)) }, (err) => { console.error(err); process.exitCode = 1 })
}
