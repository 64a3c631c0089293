// The events area: table, idempotent append, retention, and the reads of the EventStore port.
import type Database from 'better-sqlite3'
import { encodeTime } from 'ulidx'
import type { AppendOutcome, EventFilter, EventStore, NewEvent, StoredEvent } from '../ports/events.js'
import type { Severity } from '../../domain/shared/names.js'
import { severityNumber } from '../../domain/shared/names.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

const INSERT = 'INSERT INTO events (id, type, source, severity, severity_number, time, producer_id, traceparent, payload, attributes, received_at)'
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
const COLUMNS = 11
/** rows per multi-row INSERT (SQLite binds at most 32,766 parameters) */
const CHUNK = 100
// built once per size: the statement cache then finds them by a string whose hash V8 keeps
const multiInsertSql: string[] = []
const multiInsert = (rows: number) => (multiInsertSql[rows] ??= `${INSERT} VALUES ${new Array(rows).fill(ROW).join(', ')}`)

/** Writes an event's columns into `values` from `at`; returns the next position. */
function bindRow (values: unknown[], at: number, e: NewEvent): number {
  values[at] = e.id
  values[at + 1] = e.type
  values[at + 2] = e.source
  values[at + 3] = e.severity
  values[at + 4] = e.severity ? severityNumber(e.severity) : null
  values[at + 5] = e.time
  values[at + 6] = e.producerId
  values[at + 7] = e.traceparent
  values[at + 8] = e.payloadJson
  values[at + 9] = e.attributesJson
  values[at + 10] = e.receivedAt
  return at + COLUMNS
}

/** The smallest ULID of a millisecond: every id of an event received at or after `ms` sorts at or above it. */
const ulidFloor = (ms: number) => encodeTime(Math.max(0, Math.floor(ms)), 10) + '0000000000000000'

export const eventsArea: SqliteArea = {
  name: 'events',
  migrations: [{
    version: 1,
    name: 'events table',
    up: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        source TEXT,
        severity TEXT,
        severity_number INTEGER,
        time TEXT,
        producer_id TEXT,
        traceparent TEXT,
        payload TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX events_producer ON events (coalesce(source, ''), producer_id) WHERE producer_id IS NOT NULL;
      CREATE INDEX events_type ON events (type, seq);
      CREATE INDEX events_source ON events (source, seq);
    `,
  }, {
    version: 2,
    name: 'events attributes',
    // the unknown top-level fields of an event body (clients of the original design), as JSON
    up: 'ALTER TABLE events ADD COLUMN attributes TEXT',
  }],
  exportTables: [{ table: 'events', key: 'id', order: 'seq' }],
  concatenableOps: ['events.append'],
  writeOps: {
    'events.append' (db, events: NewEvent[]): AppendOutcome[] {
      const q = sql(db)
      const outcomes: AppendOutcome[] = new Array(events.length)
      // Events without a producer id cannot be duplicates: they go in by multi-row INSERTs (one
      // statement per chunk instead of one per row), and their seqs are the consecutive rowids the
      // statement assigned. Events with one go one by one, so each can find an earlier duplicate.
      let run: number[] = []
      const flush = () => {
        for (let at = 0; at < run.length;) {
          const n = Math.min(CHUNK, run.length - at)
          const values: unknown[] = new Array(n * COLUMNS)
          for (let k = 0, v = 0; k < n; k++) v = bindRow(values, v, events[run[at + k]])
          const r = q(multiInsert(n)).run(values)
          if (r.changes !== n) throw new Error(`inserted ${r.changes} of ${n} events`)
          const first = Number(r.lastInsertRowid) - n + 1
          for (let k = 0; k < n; k++) { const i = run[at + k]; outcomes[i] = { id: events[i].id, seq: first + k, duplicate: false } }
          at += n
        }
        run = []
      }
      const insertOne = q(`${INSERT} VALUES ${ROW} ON CONFLICT DO NOTHING`)
      const existing = q("SELECT id, seq FROM events WHERE coalesce(source, '') = ? AND producer_id = ?")
      for (let i = 0; i < events.length; i++) {
        const e = events[i]
        if (e.producerId === null) { run.push(i); continue }
        // keep the order of seqs the order of the batch
        flush()
        const values: unknown[] = new Array(COLUMNS)
        bindRow(values, 0, e)
        const r = insertOne.run(values)
        if (r.changes === 1) { outcomes[i] = { id: e.id, seq: Number(r.lastInsertRowid), duplicate: false }; continue }
        // source + producer id already stored (earlier, or earlier in this very batch)
        const row = existing.get(e.source ?? '', e.producerId) as { id: string, seq: number } | undefined
        if (!row) throw new Error(`event ${e.id} was neither inserted nor found`)
        outcomes[i] = { id: row.id, seq: row.seq, duplicate: true }
      }
      flush()
      return outcomes
    },
    /** Deletes at most `limit` events received before `before`; the caller repeats until fewer come back. */
    'events.prune' (db, { before, limit }: { before: number, limit: number }): number {
      return sql(db)('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE id < ? ORDER BY id LIMIT ?)').run(ulidFloor(before), limit).changes
    },
  },
}

/** An events row as both engines store it. */
export interface EventRow {
  seq: number,
  id: string,
  type: string,
  source: string | null,
  severity: string | null,
  time: string | null,
  producer_id: string | null,
  traceparent: string | null,
  payload: string,
  attributes: string | null,
  received_at: number
}

export const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  seq: r.seq,
  type: r.type,
  source: r.source,
  severity: r.severity as Severity | null,
  time: r.time,
  producerId: r.producer_id,
  traceparent: r.traceparent,
  payload: JSON.parse(r.payload),
  attributes: r.attributes === null ? null : JSON.parse(r.attributes),
  receivedAt: new Date(r.received_at).toISOString(),
})

export function sqliteEventStore (reader: Database.Database, writer: Writer): EventStore {
  const q = statementCache(reader)
  return {
    append: (list) => writer.submit<AppendOutcome[]>('events.append', list, list.length),
    async query (f: EventFilter) {
      const where: string[] = []
      const args: unknown[] = []
      if (f.type !== undefined) { where.push('type = ?'); args.push(f.type) }
      if (f.source !== undefined) { where.push('source = ?'); args.push(f.source) }
      if (f.severity !== undefined) { where.push('severity = ?'); args.push(f.severity) }
      if (f.minSeverity !== undefined) { where.push('severity_number >= ?'); args.push(severityNumber(f.minSeverity)) }
      // ids are ULIDs of the receive time, so the id index serves time ranges (no index on received_at:
      // one index less to update per insert is a fifth more ingest)
      if (f.since !== undefined) { where.push('id >= ?'); args.push(ulidFloor(f.since)) }
      if (f.until !== undefined) { where.push('id < ?'); args.push(ulidFloor(f.until)) }
      if (f.beforeSeq !== undefined) { where.push('seq < ?'); args.push(f.beforeSeq) }
      if (f.afterSeq !== undefined) { where.push('seq > ?'); args.push(f.afterSeq) }
      const text = `SELECT * FROM events${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`
      return (q(text).all(...args, f.limit) as EventRow[]).map(toEvent)
    },
    async get (id) {
      const row = q('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined
      return row ? toEvent(row) : undefined
    },
    async count () {
      return (q('SELECT count(*) AS n FROM events').get() as { n: number }).n
    },
    prune: (before) => writer.deleteInChunks('events.prune', before),
  }
}
