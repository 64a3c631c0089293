// MCP_HEAP_HEADROOM_MB reaches V8 through buildApp: on Node 20 the default (64 MB of headroom) sets the
// growing factor at start and again after each full collection, from the heap that survived it; with 0,
// or on Node 22+, the hub never sets it. Each case is its own node process, since the flag is
// process-wide. The peaks of the two processes are printed, not compared: how far V8's own policy lets
// the heap grow depends on the machine (the same churn peaked at 532 MB here and at 288 MB on CI, where
// the default's 304 MB failed a comparison), so a comparison of peaks tests the machine, not the hub.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../../src/config.js'
import { growingPercent, TUNES_HEAP } from '../../src/http/heap-growth.js'

const dist = (p: string) => pathToFileURL(resolve(import.meta.dirname, '../../dist', p)).href

// builds the app from the environment as the server does, then keeps 1,500,000 objects live and
// allocates batches that survive 50 rounds (promoted), printing the peak heap in MB; then one full
// collection, after which the factor is read with the heap that survived it
const script = `
import { buildApp } from '${dist('app.js')}'
import { loadConfig } from '${dist('config.js')}'
import { appliedGrowingPercent } from '${dist('http/heap-growth.js')}'
const app = await buildApp(loadConfig({ env: process.env }))
await app.close()
const atStart = appliedGrowingPercent()
const live = Array.from({ length: 1500000 }, (_, i) => ({ i, s: 'x' + i }))
const ring = []
let peak = 0
for (let round = 0; round < 3000; round++) {
  ring.push(Array.from({ length: 2000 }, (_, i) => ({ round, i, s: 'y' + i })))
  if (ring.length > 50) ring.shift()
  if (round % 20 === 0) { await new Promise((r) => setImmediate(r)); peak = Math.max(peak, process.memoryUsage().heapUsed) }
}
globalThis.gc()
await new Promise((r) => setTimeout(r, 100))
const survivedMb = process.memoryUsage().heapUsed / 1048576
console.log(JSON.stringify({ live: live.length, ring: ring.length, peakMb: Math.round(peak / 1048576), atStart, percent: appliedGrowingPercent(), survivedMb }))
`

interface Churn { peakMb: number, atStart: number, percent: number, survivedMb: number }

function churnWith (env: Record<string, string>): Promise<Churn> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-heap-'))
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, MCP_DATA_DIR: dataDir, MCP_ADMIN_PASSWORD: 'heap-test-password', MCP_LOG_LEVEL: 'silent', MCP_HEALTH_SCHEDULER: 'false', ...env },
      timeout: 120_000,
    }, (err, stdout) => {
      rmSync(dataDir, { recursive: true, force: true })
      if (err) return reject(err)
      resolve(JSON.parse(stdout.trim().split('\n').pop()!))
    })
  })
}

t.test('the setting is read from the environment, 64 by default, and bounded', async (t) => {
  t.equal(loadConfig({ env: {} }).heapHeadroomMb, 64)
  t.equal(loadConfig({ env: { MCP_HEAP_HEADROOM_MB: '0' } }).heapHeadroomMb, 0)
  t.equal(loadConfig({ env: { MCP_HEAP_HEADROOM_MB: '256' } }).heapHeadroomMb, 256)
  t.throws(() => loadConfig({ env: { MCP_HEAP_HEADROOM_MB: '-1' } }), /MCP_HEAP_HEADROOM_MB|heapHeadroomMb/)
  t.throws(() => loadConfig({ env: { MCP_HEAP_HEADROOM_MB: 'lots' } }), /MCP_HEAP_HEADROOM_MB|heapHeadroomMb/)
})

t.test('the growth leaves the headroom above the surviving heap, within the bounds of V8', async (t) => {
  t.equal(growingPercent(64, 100), 64, '100 MB live: grow 64 %')
  t.equal(growingPercent(64, 64), 100, 'a heap of the headroom: at most 2×')
  t.equal(growingPercent(64, 640), 10, 'a huge heap still grows 10 % between collections')
  t.equal(growingPercent(64, 10), 100, 'a small heap may double, no more')
  t.equal(growingPercent(64, 0), 100)
})

t.test('the default sets V8\'s growing factor through buildApp and resets it after a full collection (Node 20); 0 and Node 22+ keep V8\'s policy', async (t) => {
  const own = await churnWith({ MCP_HEAP_HEADROOM_MB: '0' })
  const limited = await churnWith({})
  t.comment(`peak heap: V8's own growth ${own.peakMb} MB, the default (64 MB of headroom) ${limited.peakMb} MB; factor at start ${limited.atStart} %, after the last full collection ${limited.percent} % (${Math.round(limited.survivedMb)} MB survived)`)
  t.equal(own.atStart, -1, '0: the hub does not set the factor at start')
  t.equal(own.percent, -1, '0: nor after a full collection')
  t.equal(TUNES_HEAP, Number(process.versions.node.split('.')[0]) < 22, 'tuned on Node 20 (V8 11), left alone from Node 22 (V8 12)')
  if (TUNES_HEAP) {
    // set by buildApp: 100 % while the heap is under the headroom, lower if a full collection during the
    // start left more than that (CI: 91 %)
    t.ok(limited.atStart >= 10 && limited.atStart <= 100, `the default set the factor at start, through buildApp (${limited.atStart} %)`)
    // 1.5 M live objects survive the collection: far more than the headroom, so the factor falls
    t.ok(limited.survivedMb > 128, `the churn's live heap (${Math.round(limited.survivedMb)} MB) is larger than twice the headroom`)
    const expected = growingPercent(64, limited.survivedMb)
    t.ok(Math.abs(limited.percent - expected) <= 5, `after the full collection the factor follows the surviving heap: ${limited.percent} %, ${expected} % expected`)
  } else {
    // Node 22 and later: V8's own policy grows far less than Node 20's, and a forced factor raised its peak
    // (docs/architecture.md, Memory); the hub must leave it alone
    t.equal(limited.atStart, -1, `V8 ${process.versions.v8}: the default leaves V8's own policy at start`)
    t.equal(limited.percent, -1, `V8 ${process.versions.v8}: and after full collections`)
  }
})
