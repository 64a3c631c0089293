// Tampering straight in the SQLite file, as an attacker with database access would: drop the
// append-only triggers, change rows, and see verify pinpoint the first broken entry.
import t from 'tap'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync } from 'node:crypto'
import Database from 'better-sqlite3'
import { build, adminHeaders, tempDir, tamperAuditFile } from '../../helper.js'
import { createAuditService } from '../../../src/domain/audit/audit-trail.js'
import { loadSigningKey, loadTrustedKeys } from '../../../src/domain/audit/adapters/key-files.js'
import { createBus } from '../../../src/domain/shared/bus.js'
import { entryHash, keyIdOf } from '../../../src/domain/audit/hash-chain.js'
import { rowToEntry, sqliteAuditStore, type AuditRow } from '../../../src/store/sqlite/audit.js'
import type { Store } from '../../../src/store/ports/store.js'
import type { GroupCommitWriter } from '../../../src/store/sqlite/group-commit.js'

const entry = (i: number) => ({ actor: { type: 'agent', id: `agent-${i % 3}`, onBehalfOf: 'alice' }, action: 'order.refund', target: { type: 'order', id: `o-${i}` }, outcome: 'success', metadata: { i } })

// One trail for every scenario: 35 entries, checkpoints signed at 10, 20, 30 and (on close) 35.
const seedDir = tempDir(t, 'mcp-tamper-seed-')
t.before(async () => {
  const { app } = await build(t, { auditCheckpointEvery: 10 }, seedDir)
  for (const n of [10, 10, 10, 5]) {
    const res = await app.inject({ method: 'POST', url: '/audit', headers: adminHeaders, payload: Array.from({ length: n }, (_, i) => entry(i)) })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
  await app.close()
})

/** A copy of the seed's data dir (database and key) for one scenario. */
function copySeed (tt: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(tt, 'mcp-tamper-')
  for (const f of ['mcp.sqlite', 'mcp.sqlite-wal', 'audit-signing-key.pem', 'admin-password']) {
    if (existsSync(join(seedDir, f))) copyFileSync(join(seedDir, f), join(dir, f))
  }
  return dir
}

const tamper = tamperAuditFile

/** The hub's own verification (the service behind GET /audit/verify) over the file, read-only. */
async function verify (dir: string) {
  const reader = new Database(join(dir, 'mcp.sqlite'), { readonly: true })
  try {
    const key = loadSigningKey(undefined, dir)
    const store = { audit: sqliteAuditStore(reader, null as unknown as GroupCommitWriter) } as Store
    const service = createAuditService({ store, bus: createBus(), signingKey: key, trustedKeys: loadTrustedKeys(dir, key), maxBatch: 10, metadataMaxBytes: 1000, checkpointEvery: 1e9 })
    return await service.verify()
  } finally {
    reader.close()
  }
}

const rowAt = (db: Database.Database, seq: number) => db.prepare('SELECT * FROM audit_entries WHERE seq = ?').get(seq) as AuditRow
const COLUMNS = ['id', 'time', 'time_ms', 'actor_type', 'actor_id', 'actor_name', 'on_behalf_of', 'action', 'target_type', 'target_id', 'outcome', 'reason', 'metadata', 'model', 'tool', 'arguments_hash', 'client_ip', 'request_id', 'submitted_by', 'prev_hash', 'hash']
function writeRow (db: Database.Database, r: AuditRow) {
  db.prepare(`INSERT OR REPLACE INTO audit_entries (seq, ${COLUMNS.join(', ')}) VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`)
    .run(r.seq, ...COLUMNS.map((c) => (r as unknown as Record<string, unknown>)[c]))
}
/** What a careful attacker does: recompute an entry's hash after changing it. */
function rehash (r: AuditRow): AuditRow {
  const e = rowToEntry(r)
  return { ...r, hash: entryHash(e) }
}

t.test('the untouched trail verifies, and the triggers refuse updates and deletes', async (t) => {
  const dir = copySeed(t)
  t.same(await verify(dir), { ok: true, checked: 35, firstBrokenSeq: null, reason: null, checkpointsVerified: 4, lastSeq: 35 })
  const db = new Database(join(dir, 'mcp.sqlite'))
  t.teardown(() => db.close())
  t.throws(() => db.prepare("UPDATE audit_entries SET action = 'x' WHERE seq = 3").run(), /append-only/)
  t.throws(() => db.prepare('DELETE FROM audit_entries WHERE seq = 3').run(), /append-only/)
  t.throws(() => db.prepare("UPDATE audit_checkpoints SET signature = 'x' WHERE seq = 10").run(), /append-only/)
  t.throws(() => db.prepare('DELETE FROM audit_checkpoints').run(), /append-only/)
})

t.test('a modified entry is found by GET /audit/verify at its seq', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => db.prepare("UPDATE audit_entries SET outcome = 'denied' WHERE seq = 13").run())
  const { app } = await build(t, {}, dir)
  const v = (await app.inject({ url: '/audit/verify', headers: adminHeaders })).json()
  t.match(v, { ok: false, firstBrokenSeq: 13, reason: /entry 13 was modified/ })
})

t.test('a deleted entry', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq = 14').run())
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 14, reason: /entry 14 is missing/ })
})

t.test('a deleted entry with the later ones renumbered', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => {
    db.prepare('DELETE FROM audit_entries WHERE seq = 14').run()
    db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq > 14').run()
    db.prepare('UPDATE audit_entries SET seq = -seq - 1 WHERE seq < 0').run()
  })
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 14, reason: /entry 14 does not link/ })
})

t.test('an inserted entry, even with a correctly computed hash', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => {
    db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq >= 15').run()
    db.prepare('UPDATE audit_entries SET seq = -seq + 1 WHERE seq < 0').run()
    const prev = rowAt(db, 14)
    const forged = rehash({ ...rowAt(db, 16), seq: 15, id: '01FORGEDFORGEDFORGEDFORGED', action: 'order.approve', prev_hash: prev.hash })
    writeRow(db, forged)
  })
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 15, reason: /entry 15 was inserted/ })
})

t.test('two entries swapped (reordered)', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => {
    const a = rowAt(db, 16)
    const b = rowAt(db, 17)
    writeRow(db, { ...b, seq: 16 })
    writeRow(db, { ...a, seq: 17 })
  })
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 16, reason: /entry 16 does not link/ })
})

t.test('a tail truncated after a checkpoint', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => db.prepare('DELETE FROM audit_entries WHERE seq > 32').run())
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 33, reason: /ends at seq 32 .* checkpoint .* seq 35.*truncated/ })
})

t.test('a consistent rewrite (every later hash recomputed) is caught by the signed checkpoint', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => {
    let prevHash = rowAt(db, 21).hash
    for (let seq = 22; seq <= 35; seq++) {
      const r = rowAt(db, seq)
      const changed = rehash({ ...r, prev_hash: prevHash, ...(seq === 22 ? { outcome: 'failure' } : {}) })
      writeRow(db, changed)
      prevHash = changed.hash
    }
  })
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 21, reason: /entries 21\.\.30 were rewritten/ })
})

t.test('a single entry altered and re-hashed', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => writeRow(db, rehash({ ...rowAt(db, 24), outcome: 'failure' })))
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 24, reason: /entry 24 was altered and re-hashed/ })
})

t.test('a wrong checkpoint signature', async (t) => {
  const dir = copySeed(t)
  tamper(dir, (db) => {
    const other = db.prepare('SELECT signature FROM audit_checkpoints WHERE seq = 10').get() as { signature: string }
    db.prepare('UPDATE audit_checkpoints SET signature = ? WHERE seq = 20').run(other.signature)
  })
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 20, reason: /checkpoint at seq 20 has an invalid signature/ })
})

t.test('a checkpoint signed with another key', async (t) => {
  const dir = copySeed(t)
  const foreign = keyIdOf(generateKeyPairSync('ed25519').publicKey)
  tamper(dir, (db) => db.prepare('UPDATE audit_checkpoints SET key_id = ? WHERE seq = 30').run(foreign))
  t.match(await verify(dir), { ok: false, firstBrokenSeq: 30, reason: /unknown key/ })
})
