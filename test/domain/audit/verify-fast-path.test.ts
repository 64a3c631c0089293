// The fast verification (GET /audit/verify: canonical text built from the columns, by SQL, hashed
// once; canonical.ts) against the generic one (each entry read as an object and canonicalised, as
// bundles and the offline CLI are checked), on the same tampered SQLite files: every tamper case must
// give the very same report, at the same seq. Trails written before metadata was stored as canonical
// text (JSON.stringify order) must verify and break the same way too.
import t, { type Test } from 'tap'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import canonicalize from 'canonicalize'
import Database from 'better-sqlite3'
import { tempDir, tamperAuditFile } from '../../helper.js'
import { createAuditService } from '../../../src/domain/audit/audit-trail.js'
import { createBus } from '../../../src/domain/shared/bus.js'
import { chainEntries, entryHash, keyIdOf, signCheckpoint, type AuditDraft, type AuditEntry } from '../../../src/domain/audit/hash-chain.js'
import { ChainVerifier, verifyBundle } from '../../../src/domain/audit/chain-verifier.js'
import { canonicalFromColumns, toColumns } from '../../../src/domain/audit/canonical.js'
import { createSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import { rowToEntry, sqliteAuditStore, type AuditRow } from '../../../src/store/sqlite/audit.js'
import type { Store } from '../../../src/store/ports/store.js'
import type { GroupCommitWriter } from '../../../src/store/sqlite/group-commit.js'

const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const keyId = keyIdOf(publicKey)
const signingKey = { privateKey, publicKey, keyId, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, source: 'test', generated: false }
const trusted = () => new Map<string, KeyObject>([[keyId, publicKey]])

const STRINGS = ['plain', 'quote " and backslash \\ and /', 'line\nbreak\ttab\u0001\u001f\u007f', 'é ü 漢字 😀 \u2028\u2029', '']
const draft = (i: number): AuditDraft => ({
  id: `01TEST${String(i).padStart(20, '0')}`,
  time: new Date(Date.UTC(2026, 0, 1) + i * 1500).toISOString(),
  actor: { type: i % 4 === 0 ? 'user' : 'agent', id: `agent-${i % 3}`, name: i % 2 ? STRINGS[i % STRINGS.length] : null, onBehalfOf: i % 3 ? 'alice' : null },
  action: 'order.refund',
  target: i % 5 === 0 ? null : { type: 'order', id: `o-${i}` },
  outcome: 'success',
  reason: i % 2 ? null : STRINGS[(i + 2) % STRINGS.length],
  // keys out of order and nested: the canonical text sorts them, JSON.stringify does not
  metadata: { z: i, a: { y: [1, 2.5, -0.001, 1e21], b: STRINGS[i % STRINGS.length] }, m: null, n: true },
  model: i % 2 ? 'gpt-4o' : null,
  tool: 'refund',
  argumentsHash: i % 3 ? 'sha256:abc' : null,
  clientIp: '127.0.0.1',
  requestId: `req-${i}`,
  submittedBy: 'service:token-1',
})

/**
 * A 35-entry trail with checkpoints at 10, 20, 30 and 35. `legacy`: stored as the hub stored entries
 * before metadata was kept as canonical text (its JSON.stringify text, keys in insertion order).
 */
async function seed (dir: string, legacy: boolean): Promise<void> {
  const store = await createSqliteStore({ dataDir: dir, durability: 'normal' })
  let tip: AuditEntry | undefined
  const entries: AuditEntry[] = []
  const checkpoints = []
  for (const n of [10, 10, 10, 5]) {
    const batch = chainEntries(tip, Array.from({ length: n }, (_, i) => draft((tip?.seq ?? 0) + i + 1)))
    if (!legacy) await store.audit.append(batch)
    entries.push(...batch)
    tip = batch[batch.length - 1]
    checkpoints.push(signCheckpoint({ seq: tip.seq, hash: tip.hash, time: tip.time }, privateKey, keyId))
  }
  if (!legacy) for (const c of checkpoints) await store.audit.addCheckpoint(c)
  await store.close()
  if (!legacy) return
  const db = new Database(join(dir, 'mcp.sqlite'))
  const insert = db.prepare(`INSERT INTO audit_entries (seq, id, time, time_ms, actor_type, actor_id, actor_name, on_behalf_of, action,
    target_type, target_id, outcome, reason, metadata, model, tool, arguments_hash, client_ip, request_id, submitted_by, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  for (const e of entries) {
    insert.run(e.seq, e.id, e.time, Date.parse(e.time), e.actor.type, e.actor.id, e.actor.name, e.actor.onBehalfOf, e.action,
      e.target?.type ?? null, e.target?.id ?? null, e.outcome, e.reason, JSON.stringify(e.metadata), e.model, e.tool,
      e.argumentsHash, e.clientIp, e.requestId, e.submittedBy, e.prevHash, e.hash)
  }
  const cp = db.prepare('INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)')
  for (const c of checkpoints) cp.run(c.seq, c.hash, c.time, c.keyId, c.signature)
  db.close()
}

const seeds = { current: tempDir(t, 'mcp-fast-seed-'), legacy: tempDir(t, 'mcp-fast-legacy-') }
t.before(async () => {
  await seed(seeds.current, false)
  await seed(seeds.legacy, true)
})

function copySeed (tt: Parameters<typeof tempDir>[0], kind: keyof typeof seeds): string {
  const dir = tempDir(tt, 'mcp-fast-')
  for (const f of ['mcp.sqlite', 'mcp.sqlite-wal']) if (existsSync(join(seeds[kind], f))) copyFileSync(join(seeds[kind], f), join(dir, f))
  return dir
}

const tamper = tamperAuditFile

/** Every way of verifying the same file: the service (fast), the columns path, the generic walk, the exported bundle. */
async function verifyAll (dir: string) {
  const reader = new Database(join(dir, 'mcp.sqlite'), { readonly: true })
  try {
    const store = { audit: sqliteAuditStore(reader, null as unknown as GroupCommitWriter) } as Store
    const service = createAuditService({ store, bus: createBus(), signingKey, trustedKeys: trusted(), maxBatch: 10, metadataMaxBytes: 1000, checkpointEvery: 1e9 })
    const fast = await service.verify()
    const walk = async (feed: (v: ChainVerifier, from: number) => Promise<number | null>) => {
      const v = new ChainVerifier(trusted())
      for (const c of await store.audit.checkpoints(Number.MAX_SAFE_INTEGER)) v.addCheckpoint(c)
      for (let from: number | null = 1; from !== null;) from = await feed(v, from)
      return v.finish()
    }
    const columns = await walk(async (v, from) => {
      const chunk = await store.audit.columns!(from, Number.MAX_SAFE_INTEGER, 7)
      for (const c of chunk) if (!v.addColumns(c)) return null
      return chunk.length ? chunk[chunk.length - 1][0] + 1 : null
    })
    const generic = await walk(async (v, from) => {
      const chunk = await store.audit.range(from, Number.MAX_SAFE_INTEGER, 7)
      for (const e of chunk) if (!v.add(e)) return null
      return chunk.length ? chunk[chunk.length - 1].seq + 1 : null
    })
    const lines: string[] = []
    for await (const l of service.bundleLines()) lines.push(...l.split('\n'))
    const bundle = await verifyBundle(lines, trusted())
    // a store without canonical texts (the port makes them optional): the service walks entry by entry
    const plain = { audit: { ...store.audit, canonicalTexts: undefined, columns: undefined } } as Store
    const service2 = createAuditService({ store: plain, bus: createBus(), signingKey, trustedKeys: trusted(), maxBatch: 10, metadataMaxBytes: 1000, checkpointEvery: 1e9 })
    const plainStore = await service2.verify()
    return { fast, columns, generic, bundle, plainStore }
  } finally {
    reader.close()
  }
}

async function sameEverywhere (t: Test, dir: string) {
  const r = await verifyAll(dir)
  t.same(r.fast, r.generic, 'the fast path reports what the generic walk reports')
  t.same(r.columns, r.generic, 'the columns path too')
  t.same(r.bundle, r.generic, 'and the offline bundle check')
  t.same(r.plainStore, r.generic, 'and the service over a store without canonical texts')
  return r.fast
}

const rowAt = (db: Database.Database, seq: number) => db.prepare('SELECT * FROM audit_entries WHERE seq = ?').get(seq) as AuditRow
const COLUMNS = ['id', 'time', 'time_ms', 'actor_type', 'actor_id', 'actor_name', 'on_behalf_of', 'action', 'target_type', 'target_id', 'outcome', 'reason', 'metadata', 'model', 'tool', 'arguments_hash', 'client_ip', 'request_id', 'submitted_by', 'prev_hash', 'hash']
function writeRow (db: Database.Database, r: AuditRow) {
  db.prepare(`INSERT OR REPLACE INTO audit_entries (seq, ${COLUMNS.join(', ')}) VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`)
    .run(r.seq, ...COLUMNS.map((c) => (r as unknown as Record<string, unknown>)[c]))
}
const rehash = (r: AuditRow): AuditRow => ({ ...r, hash: entryHash(rowToEntry(r)) })

/** Each case: what is done to the file, and whether the trail still verifies. */
const CASES: Array<[string, (db: Database.Database) => void, boolean?]> = [
  ...COLUMNS.filter((c) => c !== 'time_ms' && c !== 'metadata').map((c): [string, (db: Database.Database) => void] =>
    [`column ${c} edited`, (db) => db.prepare(`UPDATE audit_entries SET ${c} = coalesce(${c}, '') || 'x' WHERE seq = 13`).run()]),
  ...['actor_name', 'on_behalf_of', 'target_type', 'target_id', 'reason', 'model', 'arguments_hash', 'client_ip', 'request_id'].map((c): [string, (db: Database.Database) => void] =>
    [`column ${c} set to NULL`, (db) => db.prepare(`UPDATE audit_entries SET ${c} = NULL WHERE seq = (SELECT min(seq) FROM audit_entries WHERE seq > 10 AND ${c} IS NOT NULL)`).run()]),
  ['a column holding a BLOB', (db) => db.prepare("UPDATE audit_entries SET actor_id = x'6167656e742d30' WHERE seq = 12").run()],
  ['a column holding a number', (db) => db.prepare('UPDATE audit_entries SET tool = 42 WHERE seq = 12').run()],
  ['time_ms edited (what time queries filter on)', (db) => db.prepare('UPDATE audit_entries SET time_ms = time_ms + 1 WHERE seq = 15').run()],
  ['time edited in step with time_ms', (db) => db.prepare("UPDATE audit_entries SET time = '2025-01-01T00:00:00.000Z', time_ms = 1735689600000 WHERE seq = 15").run()],
  ['metadata changed', (db) => db.prepare('UPDATE audit_entries SET metadata = \'{"z":1}\' WHERE seq = 16').run()],
  ['metadata one key changed in the stored canonical text', (db) => db.prepare("UPDATE audit_entries SET metadata = replace(metadata, '\"n\":true', '\"n\":false') WHERE seq = 17").run()],
  ['metadata rewritten in another key order, same content', (db) => {
    const r = rowAt(db, 18)
    db.prepare('UPDATE audit_entries SET metadata = ? WHERE seq = 18').run(JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(r.metadata)).reverse())))
  }, true],
  ['an entry deleted', (db) => db.prepare('DELETE FROM audit_entries WHERE seq = 14').run()],
  ['an entry deleted and the later ones renumbered', (db) => {
    db.prepare('DELETE FROM audit_entries WHERE seq = 14').run()
    db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq > 14').run()
    db.prepare('UPDATE audit_entries SET seq = -seq - 1 WHERE seq < 0').run()
  }],
  ['an entry inserted with a correct hash', (db) => {
    db.prepare('UPDATE audit_entries SET seq = -seq WHERE seq >= 15').run()
    db.prepare('UPDATE audit_entries SET seq = -seq + 1 WHERE seq < 0').run()
    writeRow(db, rehash({ ...rowAt(db, 16), seq: 15, id: '01FORGEDFORGEDFORGEDFORGED', action: 'order.approve', prev_hash: rowAt(db, 14).hash }))
  }],
  ['two entries swapped', (db) => {
    const a = rowAt(db, 16)
    const b = rowAt(db, 17)
    writeRow(db, { ...b, seq: 16 })
    writeRow(db, { ...a, seq: 17 })
  }],
  ['the tail truncated after a checkpoint', (db) => db.prepare('DELETE FROM audit_entries WHERE seq > 32').run()],
  ['one entry altered and re-hashed', (db) => writeRow(db, rehash({ ...rowAt(db, 24), outcome: 'failure' }))],
  ['a stretch rewritten, every hash recomputed', (db) => {
    let prevHash = rowAt(db, 21).hash
    for (let seq = 22; seq <= 35; seq++) {
      const changed = rehash({ ...rowAt(db, seq), prev_hash: prevHash, ...(seq === 22 ? { outcome: 'failure' } : {}) })
      writeRow(db, changed)
      prevHash = changed.hash
    }
  }],
  ['a checkpoint signature swapped', (db) => {
    const other = db.prepare('SELECT signature FROM audit_checkpoints WHERE seq = 10').get() as { signature: string }
    db.prepare('UPDATE audit_checkpoints SET signature = ? WHERE seq = 20').run(other.signature)
  }],
]

for (const kind of ['current', 'legacy'] as const) {
  t.test(`${kind} trail: untouched, it verifies the same everywhere`, async (t) => {
    const r = await sameEverywhere(t, copySeed(t, kind))
    t.same(r, { ok: true, checked: 35, firstBrokenSeq: null, reason: null, checkpointsVerified: 4, lastSeq: 35 })
  })
  for (const [name, fn, stillOk] of CASES) {
    t.test(`${kind} trail: ${name}`, async (t) => {
      const dir = copySeed(t, kind)
      tamper(dir, fn)
      const r = await sameEverywhere(t, dir)
      t.equal(r.ok, stillOk === true, stillOk ? 'still verifies' : `found: ${r.reason}`)
    })
  }
}

// Metadata that is not JSON on its own: the generic read (range, the export) cannot even parse the
// row and throws; the fast path and the columns path name the entry. The second case is the one the
// template must not be fooled by: metadata's text swallowing the next field, which the column then
// repeats, so that the concatenation reads like the appended entry's text.
for (const [name, sql] of [
  ['metadata that is not JSON', "UPDATE audit_entries SET metadata = '{not json' WHERE seq = 19"],
  ['metadata stretched over the next field', 'UPDATE audit_entries SET metadata = metadata || \',"model":\' || json_quote(model), model = \'other\' WHERE seq = 19'],
]) {
  t.test(`current trail: ${name}: the fast path names the entry (the generic read cannot parse it)`, async (t) => {
    const dir = copySeed(t, 'current')
    tamper(dir, (db) => db.prepare(sql).run())
    const r = await verifyAll(dir).catch((err: Error) => err)
    t.match(r, { message: /JSON/ }, 'the generic read throws')
    const reader = new Database(join(dir, 'mcp.sqlite'), { readonly: true })
    t.teardown(() => reader.close())
    const store = { audit: sqliteAuditStore(reader, null as unknown as GroupCommitWriter) } as Store
    const service = createAuditService({ store, bus: createBus(), signingKey, trustedKeys: trusted(), maxBatch: 10, metadataMaxBytes: 1000, checkpointEvery: 1e9 })
    t.same(await service.verify(), { ok: false, checked: 19, firstBrokenSeq: 19, reason: 'entry 19 cannot be encoded', checkpointsVerified: 1, lastSeq: 18 })
  })
}

t.test('the store builds the same canonical text as the domain, and reads it by the primary key', async (t) => {
  const reader = new Database(join(seeds.current, 'mcp.sqlite'), { readonly: true })
  t.teardown(() => reader.close())
  const store = sqliteAuditStore(reader, null as unknown as GroupCommitWriter)
  const texts = await store.canonicalTexts!(1, 35, 100)
  const columns = await store.columns!(1, 35, 100)
  t.equal(texts.length, 35)
  for (let i = 0; i < texts.length; i++) {
    const generic = canonicalize({ ...JSON.parse(texts[i][1]!), seq: columns[i][0] })
    t.equal(texts[i][1], canonicalFromColumns(columns[i]), `entry ${i + 1}: SQL and JS templates agree`)
    t.equal(texts[i][1], generic, `entry ${i + 1}: and the text is canonical`)
  }
  const plans = reader.prepare('EXPLAIN QUERY PLAN SELECT seq, hash FROM audit_entries WHERE seq >= 1 AND seq <= 5 ORDER BY seq LIMIT 5').all() as Array<{ detail: string }>
  t.match(plans.map((p) => p.detail).join('\n'), /SEARCH audit_entries USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/)
})

t.test('the template gives the generic canonicaliser\'s text for any strings, and refuses what it cannot carry', async (t) => {
  const pick = (n: number) => STRINGS[n % STRINGS.length] + String.fromCharCode(n % 0x3000)
  for (let i = 1; i <= 300; i++) {
    const [e] = chainEntries({ seq: i, hash: 'f'.repeat(64) }, [{ ...draft(i), action: pick(i * 7), reason: pick(i * 13), actor: { type: 'agent', id: pick(i * 3), name: i % 2 ? pick(i) : null, onBehalfOf: null } }])
    t.equal(e.hash, entryHash(e), `entry ${i}`)
    t.equal(canonicalFromColumns(toColumns(e, e.hash)), canonicalize({ ...JSON.parse(canonicalFromColumns(toColumns(e, e.hash))!) }))
  }
  const [lone] = chainEntries(undefined, [draft(1)])
  t.equal(canonicalFromColumns(toColumns({ ...lone, reason: 'a\ud800b' }, lone.hash)), undefined, 'a lone surrogate: the generic path decides')
  t.throws(() => chainEntries(undefined, [{ ...draft(1), reason: 'a\ud800b' }]), 'and it refuses to encode it, as before')
})
