// Backup benchmark against the BUILT app (run `npm run build` first), in process with app.inject():
//   export and import times for a hub of BENCH_BACKUP_EVENTS events (default 20,000), into an empty
//   hub, then again into the same hub (the idempotent merge: every row skipped), and the cost of the
//   X-Backup-Key derivation (scrypt N=2^15, r=8, p=1). Run alone: `node bench/backup.js`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const EVENTS = Number(process.env.BENCH_BACKUP_EVENTS ?? 20_000)
const PASSWORD = 'bench-password-123'
const admin = { authorization: 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64') }

const { buildApp } = await import(pathToFileURL(join(DIST, 'app.js')).href)
const { loadConfig } = await import(pathToFileURL(join(DIST, 'config.js')).href)
const dirs = []
async function hub () {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-backup-'))
  dirs.push(dataDir)
  const app = await buildApp(loadConfig({ env: {}, overrides: { dataDir, adminUser: 'admin', adminPassword: PASSWORD, logLevel: 'silent' } }))
  await app.ready()
  return app
}
const time = async (fn) => { const t0 = performance.now(); const r = await fn(); return [performance.now() - t0, r] }

const a = await hub()
for (let i = 0; i < EVENTS; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({ type: 'order.created', source: 'shop', id: `o-${i + j}`, payload: { n: i + j, total: 12.5 } }))
  const res = await a.inject({ method: 'POST', url: '/events', payload: batch })
  if (res.statusCode >= 300) throw new Error(res.body)
}
const [exportMs, exported] = await time(() => a.inject({ url: '/export', headers: admin }))
const [sealedMs] = await time(() => a.inject({ url: '/export', headers: { ...admin, 'x-backup-key': 'bench passphrase 123' } }))
const b = await hub()
const ndjson = { ...admin, 'content-type': 'application/x-ndjson' }
const [importMs, first] = await time(() => b.inject({ method: 'POST', url: '/import', headers: ndjson, payload: exported.body }))
if (first.statusCode !== 200) throw new Error(first.body)
const [mergeMs, again] = await time(() => b.inject({ method: 'POST', url: '/import', headers: ndjson, payload: exported.body, query: { audit: 'skip' } }))
if (again.statusCode !== 200 || again.json().inserted.events !== 0) throw new Error(again.body)
const mb = (Buffer.byteLength(exported.body) / 1e6).toFixed(1)
console.log(JSON.stringify({
  events: EVENTS,
  bundleMB: Number(mb),
  exportMs: Math.round(exportMs),
  exportWithKeyMs: Math.round(sealedMs),
  importEmptyMs: Math.round(importMs),
  importEmptyRowsPerS: Math.round(EVENTS / (importMs / 1000)),
  importAgainMs: Math.round(mergeMs),
}))
await a.close()
await b.close()
for (const d of dirs) rmSync(d, { recursive: true, force: true })
