// The audit area: an append-only, hash-chained table and its signed checkpoints. The domain chains
// the entries; an append stores them only if they continue the stored tail, checked in the write's
// transaction, so appends chained from a stale tail can never fork the chain. Triggers refuse every
// UPDATE and DELETE.
import type Database from 'better-sqlite3'
import { EMPTY_TRAIL, type AuditFilter, type AuditLink, type AuditStore } from '../ports/audit.js'
import type { AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'
import { AUDIT_COLUMNS, fromColumns, toColumns, type AuditColumns, type StoredText } from '../../domain/audit/canonical.js'
import { conflict, invalid } from '../../domain/shared/errors.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

const appendOnly = (table: string) => `
  CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
  CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`

export interface AuditRow {
  seq: number,
  id: string,
  time: string,
  time_ms: number,
  actor_type: string,
  actor_id: string,
  actor_name: string | null,
  on_behalf_of: string | null,
  action: string,
  target_type: string | null,
  target_id: string | null,
  outcome: string,
  reason: string | null,
  metadata: string,
  model: string | null,
  tool: string | null,
  arguments_hash: string | null,
  client_ip: string | null,
  request_id: string | null,
  submitted_by: string,
  prev_hash: string,
  hash: string
}

export const rowToEntry = (r: AuditRow): AuditEntry => fromColumns(AUDIT_COLUMNS.map((c) => r[c]) as AuditColumns)

export interface CheckpointRow { seq: number, hash: string, time: string, key_id: string, signature: string }
export const toCheckpoint = (r: CheckpointRow): Checkpoint => ({ seq: r.seq, hash: r.hash, time: r.time, keyId: r.key_id, signature: r.signature })

/** A text column as its JSON literal (json_quote writes what JSON.stringify does), NULL if it holds another type. */
const lit = (c: string) => `CASE WHEN typeof(${c}) IN ('text', 'null') THEN json_quote(${c}) END`
/**
 * canonical.ts's template in SQL: an entry's canonical text from its columns, keys in canonical order,
 * built by one format() (a chain of || would copy the growing text once per piece). A column that is
 * not of its kind leaves its place empty, and a character json_quote escapes otherwise than
 * JSON.stringify gives another text: either way the hash does not match and the verifier checks the
 * entry's columns instead.
 */
const CANONICAL_TEXT = 'format(\'{"action":%s,"actor":{"id":%s,"name":%s,"onBehalfOf":%s,"type":%s},"argumentsHash":%s,"clientIp":%s,"id":%s,' +
  `"metadata":%s,"model":%s,"outcome":%s,"prevHash":%s,"reason":%s,"requestId":%s,"seq":%d,"submittedBy":%s,"target":%s,"time":%s,"tool":%s}',
  ${['action', 'actor_id', 'actor_name', 'on_behalf_of', 'actor_type', 'arguments_hash', 'client_ip', 'id'].map(lit).join(', ')},
  CASE WHEN typeof(metadata) = 'text' THEN metadata END, ${['model', 'outcome', 'prev_hash', 'reason', 'request_id'].map(lit).join(', ')},
  seq, ${lit('submitted_by')},
  CASE WHEN target_type IS NULL OR target_id IS NULL THEN 'null' ELSE format('{"id":%s,"type":%s}', ${lit('target_id')}, ${lit('target_type')}) END,
  ${lit('time')}, ${lit('tool')})`

const TAIL = 'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1'

export const auditArea: SqliteArea = {
  name: 'audit',
  migrations: [{
    version: 1,
    name: 'audit entries and checkpoints, append-only',
    up: `
      CREATE TABLE audit_entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT,
        on_behalf_of TEXT,
        action TEXT NOT NULL,
        target_type TEXT,
        target_id TEXT,
        outcome TEXT NOT NULL,
        reason TEXT,
        metadata TEXT NOT NULL,
        model TEXT,
        tool TEXT,
        arguments_hash TEXT,
        client_ip TEXT,
        request_id TEXT,
        submitted_by TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_actor ON audit_entries (actor_id, seq);
      CREATE INDEX audit_behalf ON audit_entries (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;
      CREATE INDEX audit_action ON audit_entries (action, seq);
      CREATE INDEX audit_target ON audit_entries (target_type, target_id, seq);
      CREATE INDEX audit_time ON audit_entries (time_ms);
      CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      ${appendOnly('audit_entries')}
      ${appendOnly('audit_checkpoints')}
    `,
  }],
  // The trail must come back exactly: an existing seq must hold the very same row.
  exportTables: [
    { table: 'audit_entries', key: 'id', order: 'seq', immutable: true },
    { table: 'audit_checkpoints', key: 'seq', order: 'seq', immutable: true },
  ],
  writeOps: {
    'audit.append' (db, entries: AuditEntry[]): void {
      if (entries.length === 0) return
      const q = sql(db)
      const tail = (q(TAIL).get() as AuditLink | undefined) ?? EMPTY_TRAIL
      const first = entries[0]
      if (first.seq !== tail.seq + 1 || first.prevHash !== tail.hash) {
        throw conflict(`the audit trail ends at seq ${tail.seq}: entry ${first.seq} does not continue it`)
      }
      for (let i = 1; i < entries.length; i++) {
        if (entries[i].seq !== entries[i - 1].seq + 1 || entries[i].prevHash !== entries[i - 1].hash) {
          throw invalid(`audit entry ${entries[i].seq} does not continue entry ${entries[i - 1].seq}`)
        }
      }
      const insert = q(`INSERT INTO audit_entries (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`)
      // metadata is stored as its canonical text: the entry's canonical bytes are then its columns (canonical.ts)
      for (const e of entries) insert.run(toColumns(e, e.hash))
    },
    'audit.checkpoint' (db, c: Checkpoint): void {
      const q = sql(db)
      const at = q('SELECT hash FROM audit_entries WHERE seq = ?').get(c.seq) as { hash: string } | undefined
      if (!at || at.hash !== c.hash) throw new Error(`checkpoint at seq ${c.seq} does not match the stored entry`)
      q('INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(c.seq, c.hash, c.time, c.keyId, c.signature)
    },
  },
}

export function sqliteAuditStore (reader: Database.Database, writer: Writer): AuditStore {
  const q = statementCache(reader)
  // arrays, not objects: verification reads every entry (a statement of its own, as raw mode sticks)
  const columnsRange = reader.prepare(`SELECT ${AUDIT_COLUMNS.join(', ')} FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`).raw(true)
  const textRange = reader.prepare(`SELECT seq, ${CANONICAL_TEXT}, time, time_ms, prev_hash, hash FROM audit_entries
    WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`).raw(true)
  return {
    async append (entries) {
      await writer.submit('audit.append', entries, entries.length)
    },
    async query (f: AuditFilter) {
      const where: string[] = []
      const args: unknown[] = []
      if (f.actorId !== undefined) { where.push('actor_id = ?'); args.push(f.actorId) }
      if (f.actorType !== undefined) { where.push('actor_type = ?'); args.push(f.actorType) }
      if (f.onBehalfOf !== undefined) { where.push('on_behalf_of = ?'); args.push(f.onBehalfOf) }
      // a range rather than LIKE: the index serves it and % or _ in the prefix mean nothing special
      if (f.actionPrefix !== undefined) { where.push('action >= ? AND action < ?'); args.push(f.actionPrefix, f.actionPrefix + '\uffff') }
      if (f.targetType !== undefined) { where.push('target_type = ?'); args.push(f.targetType) }
      if (f.targetId !== undefined) { where.push('target_id = ?'); args.push(f.targetId) }
      if (f.outcome !== undefined) { where.push('outcome = ?'); args.push(f.outcome) }
      if (f.since !== undefined) { where.push('time_ms >= ?'); args.push(f.since) }
      if (f.until !== undefined) { where.push('time_ms < ?'); args.push(f.until) }
      if (f.beforeSeq !== undefined) { where.push('seq < ?'); args.push(f.beforeSeq) }
      const text = `SELECT * FROM audit_entries${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`
      return (q(text).all(...args, f.limit) as AuditRow[]).map(rowToEntry)
    },
    async get (id) {
      const row = q('SELECT * FROM audit_entries WHERE id = ?').get(id) as AuditRow | undefined
      return row ? rowToEntry(row) : undefined
    },
    async range (fromSeq, toSeq, limit) {
      return (q('SELECT * FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?').all(fromSeq, toSeq, limit) as AuditRow[]).map(rowToEntry)
    },
    async columns (fromSeq, toSeq, limit) {
      return columnsRange.all(fromSeq, toSeq, limit) as AuditColumns[]
    },
    async canonicalTexts (fromSeq, toSeq, limit) {
      return textRange.all(fromSeq, toSeq, limit) as StoredText[]
    },
    async tail () {
      return q(TAIL).get() as AuditLink | undefined
    },
    async count () {
      return (q('SELECT count(*) AS n FROM audit_entries').get() as { n: number }).n
    },
    async addCheckpoint (c) {
      await writer.submit('audit.checkpoint', c, 1)
    },
    async checkpoints (upToSeq) {
      return (q('SELECT * FROM audit_checkpoints WHERE seq <= ? ORDER BY seq').all(upToSeq) as CheckpointRow[]).map(toCheckpoint)
    },
    async lastCheckpoint () {
      const row = q('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1').get() as CheckpointRow | undefined
      return row ? toCheckpoint(row) : undefined
    },
  }
}
