// The events area: table, idempotent append, retention, and the reads of the EventStore port.
import type Database from 'better-sqlite3'
import { encodeTime } from 'ulidx'
import type { AppendOutcome, EventFilter, EventStore, NewEvent, Severity, StoredEvent } from '../port.js'
import { severityNumber } from '../port.js'
import { sql, statementCache, type SqliteArea } from './area.js'
import type { GroupCommitWriter } from './group-commit.js'

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
  }],
  exportTables: [{ table: 'events', key: 'id', order: 'seq' }],
  writeOps: {
    'events.append' (db, events: NewEvent[]): AppendOutcome[] {
      const q = sql(db)
      const insert = q(`INSERT INTO events (id, type, source, severity, severity_number, time, producer_id, traceparent, payload, received_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      const existing = q("SELECT id, seq FROM events WHERE coalesce(source, '') = ? AND producer_id = ?")
      return events.map((e) => {
        const r = insert.run(e.id, e.type, e.source, e.severity, e.severity ? severityNumber(e.severity) : null,
          e.time, e.producerId, e.traceparent, e.payloadJson, e.receivedAt)
        if (r.changes === 1) return { id: e.id, seq: Number(r.lastInsertRowid), duplicate: false }
        // source + producer id already stored (earlier, or earlier in this very batch)
        const row = existing.get(e.source ?? '', e.producerId) as { id: string, seq: number } | undefined
        if (!row) throw new Error(`event ${e.id} was neither inserted nor found`)
        return { id: row.id, seq: row.seq, duplicate: true }
      })
    },
    /** Deletes at most `limit` events received before `before`; the caller repeats until fewer come back. */
    'events.prune' (db, { before, limit }: { before: number, limit: number }): number {
      return sql(db)('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE id < ? ORDER BY id LIMIT ?)').run(ulidFloor(before), limit).changes
    },
  },
}

interface EventRow {
  seq: number, id: string, type: string, source: string | null, severity: string | null,
  time: string | null, producer_id: string | null, traceparent: string | null, payload: string, received_at: number
}

const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  seq: r.seq,
  type: r.type,
  source: r.source,
  severity: r.severity as Severity | null,
  time: r.time,
  producerId: r.producer_id,
  traceparent: r.traceparent,
  payload: JSON.parse(r.payload),
  receivedAt: new Date(r.received_at).toISOString(),
})

export function sqliteEventStore (reader: Database.Database, writer: GroupCommitWriter): EventStore {
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
