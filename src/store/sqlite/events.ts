// The events area: table, idempotent append, retention, and the reads of the EventStore port.
import type Database from 'better-sqlite3'
import type { AppendOutcome, NewEvent } from '../ports/events.js'
import { severityNumber } from '../../domain/shared/names.js'
import { sql, type SqliteArea } from './area.js'
import { ulidFloor } from './events-query.js'

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

/** Adds `n` (negative: deletes) to the stored count, which start-up reads instead of counting rows. */
const bumpCount = (db: Database.Database, n: number) => { if (n !== 0) sql(db)('UPDATE events_count SET n = n + ? WHERE one = 1').run(n) }

/**
 * Records the events of `seqs` (just inserted, in seq order) whose id sorts below an id stored before
 * them (an import from another hub, a clock set back): time-range queries read these apart, and bound
 * every other event by seq (src/store/sqlite/events-query.ts says why that is exact).
 */
function recordOrder (db: Database.Database, ids: string[], seqs: number[], before: string | null) {
  let max = before
  for (let k = 0; k < ids.length; k++) {
    if (max === null || ids[k] > max) max = ids[k]
    else sql(db)('INSERT INTO events_unordered (seq) VALUES (?)').run(seqs[k])
  }
}

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
  }, {
    version: 3,
    name: 'events severity index, order exceptions, count',
    up: `
      -- severity = X is served by this index (severity_number mirrors severity one to one)
      CREATE INDEX events_severity ON events (severity_number, seq);
      -- events stored after an event with a larger id (imported from another hub, a clock set back)
      CREATE TABLE events_unordered (seq INTEGER PRIMARY KEY);
      INSERT INTO events_unordered (seq) SELECT seq FROM (
        SELECT seq, id, max(id) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier FROM events
      ) WHERE id < earlier;
      -- how many events are stored, kept by the write ops: start-up reads it instead of counting rows
      CREATE TABLE events_count (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
      INSERT INTO events_count (one, n) SELECT 1, count(*) FROM events;
    `,
  }],
  exportTables: [{
    table: 'events',
    key: 'id',
    order: 'seq',
    // an imported event takes the next seq with its own id, which may sort below the stored ones
    afterInsert: [
      'INSERT INTO events_unordered (seq) SELECT e.seq FROM events AS e WHERE e.seq = last_insert_rowid() AND EXISTS (SELECT 1 FROM events AS o WHERE o.id > e.id)',
      'UPDATE events_count SET n = n + 1 WHERE one = 1',
    ],
  }],
  concatenableOps: ['events.append'],
  writeOps: {
    'events.append' (db, events: NewEvent[]): AppendOutcome[] {
      const q = sql(db)
      const outcomes: AppendOutcome[] = new Array(events.length)
      const before = (q('SELECT max(id) AS m FROM events').get() as { m: string | null }).m
      const insertedIds: string[] = []
      const insertedSeqs: number[] = []
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
          for (let k = 0; k < n; k++) {
            const i = run[at + k]
            outcomes[i] = { id: events[i].id, seq: first + k, duplicate: false }
            insertedIds.push(events[i].id)
            insertedSeqs.push(first + k)
          }
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
        if (r.changes === 1) {
          outcomes[i] = { id: e.id, seq: Number(r.lastInsertRowid), duplicate: false }
          insertedIds.push(e.id)
          insertedSeqs.push(outcomes[i].seq)
          continue
        }
        // source + producer id already stored (earlier, or earlier in this very batch)
        const row = existing.get(e.source ?? '', e.producerId) as { id: string, seq: number } | undefined
        if (!row) throw new Error(`event ${e.id} was neither inserted nor found`)
        outcomes[i] = { id: row.id, seq: row.seq, duplicate: true }
      }
      flush()
      recordOrder(db, insertedIds, insertedSeqs, before)
      bumpCount(db, insertedIds.length)
      return outcomes
    },
    /** Deletes at most `limit` events received before `before`; the caller repeats until fewer come back. */
    'events.prune' (db, { before, limit }: { before: number, limit: number }): number {
      const q = sql(db)
      const seqs = q('SELECT seq FROM events WHERE id < ? ORDER BY id LIMIT ?').pluck().all(ulidFloor(before), limit) as number[]
      if (seqs.length === 0) return 0
      const list = JSON.stringify(seqs)
      const n = q('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))').run(list).changes
      q('DELETE FROM events_unordered WHERE seq IN (SELECT value FROM json_each(?))').run(list)
      bumpCount(db, -n)
      return n
    },
  },
}
