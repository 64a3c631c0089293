// What a verify walk could reach if the hub stored each audit entry's canonical bytes (issue 15's idea),
// measured without changing the hub: a bare SQLite table of 1 M entries' canonical texts (about 600
// bytes each, chained by SHA-256), walked in 2,000-row pages as /audit/verify walks the trail, in three
// modes: `read` (the rows only), `hash` (rows + one SHA-256 each), `full` (rows, SHA-256, the link to
// the previous hash, seq and time read back from the text). Pin it: `taskset -c 0 node
// bench/audit-verify-floor.js [entries] [mode]`. Prints entries/s and CPU µs per entry for 3 rounds.
import Database from 'better-sqlite3'
import { hash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const N = Number(process.argv[2] ?? 1_000_000)
const MODE = process.argv[3] ?? 'full'
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-verify-floor-'))
try {
  const db = new Database(join(dir, 'a.db'))
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE a (seq INTEGER PRIMARY KEY, canonical TEXT NOT NULL, hash TEXT NOT NULL, time_ms INTEGER NOT NULL)')
  const ins = db.prepare('INSERT INTO a VALUES (?, ?, ?, ?)')
  let prev = '0'.repeat(64)
  const t0 = Date.now()
  db.transaction(() => {
    for (let i = 1; i <= N; i++) {
      const time = new Date(1.7e12 + i * 1000).toISOString()
      // the shape of an entry's canonical text (src/domain/audit/canonical.ts), keys in canonical order
      const text = `{"action":"service.update","actor":{"id":"admin","name":null,"onBehalfOf":null,"type":"user"},"argumentsHash":null,"clientIp":"127.0.0.1","id":"01JABCDEFGHJKMNPQRSTVWXYZ${i}","metadata":{"changes":{"interval":30000,"timeout":5000},"note":"bench entry ${i}","tags":["a","b"]},"model":null,"outcome":"success","prevHash":"${prev}","reason":null,"requestId":"req-${i}","seq":${i},"submittedBy":"hub","target":{"id":"svc-${i % 100}","type":"service"},"time":"${time}","tool":null}`
      const h = hash('sha256', text, 'hex')
      ins.run(i, text, h, Date.parse(time))
      prev = h
    }
  })()
  console.log(`built ${N} entries in ${Date.now() - t0} ms; mode ${MODE}`)
  const range = db.prepare('SELECT seq, canonical, hash, time_ms FROM a WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?').raw(true)
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage()
    const w0 = performance.now()
    let from = 1
    let prevHash = '0'.repeat(64)
    let ok = 0
    for (;;) {
      const rows = range.all(from, N, 2000)
      if (rows.length === 0) break
      for (const r of rows) {
        const text = r[1]
        if (MODE === 'read') { ok++; continue }
        if (hash('sha256', text, 'hex') !== r[2]) throw new Error(`entry ${r[0]}: hash`)
        if (MODE === 'hash') { ok++; continue }
        // the last "prevHash", "seq" and "time" keys are the entry's own (metadata comes before them)
        const p = text.lastIndexOf('"prevHash":"')
        if (text.slice(p + 12, p + 76) !== prevHash) throw new Error(`entry ${r[0]}: link`)
        const s = text.lastIndexOf('"seq":')
        if (text.slice(s + 6, text.indexOf(',', s)) !== String(r[0])) throw new Error(`entry ${r[0]}: seq`)
        const t = text.lastIndexOf('"time":"')
        if (Date.parse(text.slice(t + 8, text.indexOf('"', t + 8))) !== r[3]) throw new Error(`entry ${r[0]}: time`)
        prevHash = r[2]
        ok++
      }
      from = rows[rows.length - 1][0] + 1
    }
    const w = performance.now() - w0
    const c = process.cpuUsage(c0)
    console.log(`  round ${round + 1}: ${ok} entries, ${Math.round(ok / w * 1000)} entries/s, ${((c.user + c.system) / ok).toFixed(2)} µs CPU per entry`)
  }
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
