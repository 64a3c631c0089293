// The reads of the events area (the EventStore port's query, get, count), on the main thread's
// read-only connection. Every query shape is served by an index in seq order, never a scan then a
// sort: test/store/sqlite/events-query-plans.test.ts checks each plan with EXPLAIN QUERY PLAN.
//
// Time ranges. Ids are ULIDs of the receive time, and the hub stores events in id order, so an id
// bound is (nearly always) a seq bound: the query reads the id index once to turn `until` and `since`
// into seqs, then walks seq as every other page does, instead of filtering the newest-first walk by
// id through half of the table. Exact, not nearly: call an event "ordered" when its id sorts above the
// id of every event stored before it (the append op records the others in events_unordered: imports,
// a clock set back). Let r be the event with the largest id below `until`. An ordered event o with
// id < until and seq > r.seq would sort above r (r was stored before o), so above the largest id below
// `until`: impossible. So every ordered match has seq <= r.seq. Likewise, when the event r' with the
// smallest id at or above `since` is ordered, every match has seq >= r'.seq (else r' would sort above
// it). The unordered events outside those bounds are read apart, from events_unordered, and merged.
import type Database from 'better-sqlite3'
import { encodeTime } from 'ulidx'
import type { EventFilter, EventStore, StoredEvent } from '../ports/events.js'
import type { Severity } from '../../domain/shared/names.js'
import { severityNumber } from '../../domain/shared/names.js'
import { statementCache, type Writer } from './area.js'

/** The smallest ULID of a millisecond: every id of an event received at or after `ms` sorts at or above it. */
export const ulidFloor = (ms: number) => encodeTime(Math.max(0, Math.floor(ms)), 10) + '0000000000000000'

/** seq bounds a time range was turned into (undefined: none on that side) */
export interface SeqBounds { lo?: number, hi?: number }

/**
 * The SQL of a filtered page. `bounds` adds the seq bounds of a time range; `outside` reads instead the
 * unordered events outside them. Exported for the query-plan test.
 */
export function eventQuerySql (f: EventFilter, bounds: SeqBounds = {}, outside = false): { text: string, args: unknown[] } {
  const where: string[] = []
  const args: unknown[] = []
  if (f.type !== undefined) { where.push('e.type = ?'); args.push(f.type) }
  if (f.source !== undefined) { where.push('e.source = ?'); args.push(f.source) }
  if (f.severity !== undefined) { where.push('e.severity_number = ? AND e.severity = ?'); args.push(severityNumber(f.severity), f.severity) }
  // a unary + keeps the severity index out of a range: a range of it would be read whole, then sorted
  if (f.minSeverity !== undefined) { where.push('+e.severity_number >= ?'); args.push(severityNumber(f.minSeverity)) }
  // the id bounds stay as filters (exact whatever the seq bounds); + keeps the planner off the id index
  if (f.since !== undefined) { where.push('+e.id >= ?'); args.push(ulidFloor(f.since)) }
  if (f.until !== undefined) { where.push('+e.id < ?'); args.push(ulidFloor(f.until)) }
  if (f.beforeSeq !== undefined) { where.push('e.seq < ?'); args.push(f.beforeSeq) }
  if (f.afterSeq !== undefined) { where.push('e.seq > ?'); args.push(f.afterSeq) }
  let from = 'events AS e'
  let order = 'e.seq'
  if (outside) {
    // CROSS JOIN: SQLite keeps the written order, the few unordered events outside, never all events
    from = 'events_unordered AS u CROSS JOIN events AS e ON e.seq = u.seq'
    order = 'u.seq'
    where.push('(u.seq < ? OR u.seq > ?)')
    args.push(bounds.lo ?? 0, bounds.hi ?? Number.MAX_SAFE_INTEGER)
  } else {
    if (bounds.lo !== undefined) { where.push('e.seq >= ?'); args.push(bounds.lo) }
    if (bounds.hi !== undefined) { where.push('e.seq <= ?'); args.push(bounds.hi) }
  }
  const text = `SELECT e.* FROM ${from}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`
  args.push(f.limit)
  return { text, args }
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
  const rows = ({ text, args }: { text: string, args: unknown[] }) => q(text).all(...args) as EventRow[]

  /** The seq bounds of the filter's time range; null when no event can match. */
  function boundsOf (f: EventFilter): SeqBounds | null {
    const bounds: SeqBounds = {}
    if (f.until !== undefined) {
      const r = q('SELECT seq FROM events WHERE id < ? ORDER BY id DESC LIMIT 1').get(ulidFloor(f.until)) as { seq: number } | undefined
      if (!r) return null
      bounds.hi = r.seq
    }
    if (f.since !== undefined) {
      const r = q('SELECT e.seq, u.seq AS unordered FROM events AS e LEFT JOIN events_unordered AS u ON u.seq = e.seq WHERE e.id >= ? ORDER BY e.id LIMIT 1')
        .get(ulidFloor(f.since)) as { seq: number, unordered: number | null } | undefined
      if (!r) return null
      if (r.unordered === null) bounds.lo = r.seq
    }
    return bounds
  }

  return {
    append: (list) => writer.submit('events.append', list, list.length),
    async query (f: EventFilter) {
      if (f.since === undefined && f.until === undefined) return rows(eventQuerySql(f)).map(toEvent)
      const bounds = boundsOf(f)
      if (!bounds) return []
      const page = rows(eventQuerySql(f, bounds))
      const others = rows(eventQuerySql(f, bounds, true))
      if (others.length > 0) {
        page.push(...others)
        page.sort(f.order === 'asc' ? (a, b) => a.seq - b.seq : (a, b) => b.seq - a.seq)
        page.length = Math.min(page.length, f.limit)
      }
      return page.map(toEvent)
    },
    async get (id) {
      const row = q('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined
      return row ? toEvent(row) : undefined
    },
    async count () {
      // kept by the write ops: no count(*) over millions of rows at start
      return (q('SELECT n FROM events_count').get() as { n: number }).n
    },
    prune: (before) => writer.deleteInChunks('events.prune', before),
  }
}
