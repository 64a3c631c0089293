// Appending events in one statement: the rows go in as arrays (unnest), idempotency keys and events
// in data-modifying CTEs, and the statement first takes the schema's transaction-level events lock.
//
// Why the lock: seqs come from one sequence shared by every instance, and a row with a lower seq could
// otherwise commit after one with a higher seq; a reader paging with afterSeq (the live stream's
// replay) would then skip it for good. Under the lock, event writes commit one after the other, so seq
// order is commit order. One statement of a thousand rows holds it about as long as one of one row, and
// each instance groups its concurrent appends into one statement (micro-batcher.ts).
//
// Why a keys table: a unique index on a partitioned table must include the partition key
// (received_at), so a unique (source, producer id) cannot live on `events` itself. `event_keys` maps
// (coalesce(source, ''), producer id) to the event's id; retention deletes its rows with the events.
import type { Sql } from 'postgres'
import type { AppendOutcome, NewEvent } from '../ports/events.js'
import { severityNumber } from '../../domain/shared/names.js'
import { eventsLockKey } from './events-partitions.js'

const INPUT = `unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
  WITH ORDINALITY AS i(id, type, source, severity, severity_number, time, producer_id, traceparent, payload, attributes, received_at, ord)`
const COLUMNS = 'id, type, source, severity, severity_number, time, producer_id, traceparent, payload, attributes, received_at'

// Plain events (no producer id) cannot be duplicates.
const PLAIN = `WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtext($1))),
  input AS MATERIALIZED (SELECT i.* FROM l, ${INPUT})
  INSERT INTO events (${COLUMNS}) SELECT ${COLUMNS} FROM input ORDER BY ord RETURNING id, seq`

// Keyed events: a key taken earlier (or earlier in this batch) makes its event a duplicate. The keys a
// previous statement stored are read in the last SELECT (this statement's own rows are not visible to
// it: a duplicate inside the batch is matched to its first event by the caller).
const KEYED = `WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtext($1))),
  input AS MATERIALIZED (SELECT i.* FROM l, ${INPUT}),
  keys AS (INSERT INTO event_keys (source_key, producer_id, id, received_at)
    SELECT coalesce(source, ''), producer_id, id, received_at FROM input WHERE producer_id IS NOT NULL ORDER BY ord
    ON CONFLICT DO NOTHING RETURNING id),
  fresh AS (INSERT INTO events (${COLUMNS}) SELECT ${COLUMNS} FROM input
    WHERE producer_id IS NULL OR id IN (SELECT id FROM keys) ORDER BY ord RETURNING id, seq)
  SELECT id, seq, NULL AS source_key, NULL AS producer_id FROM fresh
  UNION ALL
  SELECT e.id, e.seq, k.source_key, k.producer_id FROM event_keys k JOIN events e ON e.id = k.id AND e.received_at = k.received_at
  WHERE (k.source_key, k.producer_id) IN (SELECT coalesce(source, ''), producer_id FROM input WHERE producer_id IS NOT NULL)`

const STORED = `SELECT e.id, e.seq, k.source_key, k.producer_id FROM event_keys k JOIN events e ON e.id = k.id AND e.received_at = k.received_at
  WHERE (k.source_key, k.producer_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`

interface Row { id: string, seq: number, source_key: string | null, producer_id: string | null }

const keyOf = (source: string | null, producerId: string) => `${source ?? ''}\u0000${producerId}`

/** Inserts `events` in one statement (two when another instance stored a key at the same moment); one outcome per event, in order. */
export async function insertEvents (sql: Pick<Sql, 'unsafe'>, schema: string, events: NewEvent[]): Promise<AppendOutcome[]> {
  const cols: unknown[][] = Array.from({ length: 11 }, () => new Array(events.length))
  let keyed = false
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    cols[0][i] = e.id; cols[1][i] = e.type; cols[2][i] = e.source; cols[3][i] = e.severity
    cols[4][i] = e.severity ? severityNumber(e.severity) : null; cols[5][i] = e.time; cols[6][i] = e.producerId
    cols[7][i] = e.traceparent; cols[8][i] = e.payloadJson; cols[9][i] = e.attributesJson; cols[10][i] = e.receivedAt
    if (e.producerId !== null) keyed = true
  }
  const rows = await sql.unsafe<Row[]>(keyed ? KEYED : PLAIN, [eventsLockKey(schema), ...cols] as never[], { prepare: true })
  const fresh = new Map<string, number>()
  const stored = new Map<string, { id: string, seq: number }>()
  for (const r of rows) {
    if (r.source_key == null) fresh.set(r.id, r.seq)
    else stored.set(`${r.source_key}\u0000${r.producer_id}`, { id: r.id, seq: r.seq })
  }
  const outcomes: AppendOutcome[] = new Array(events.length)
  const missing: number[] = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    const seq = fresh.get(e.id)
    if (seq !== undefined) {
      outcomes[i] = { id: e.id, seq, duplicate: false }
      // later events of this batch with the same key are its duplicates
      if (e.producerId !== null) stored.set(keyOf(e.source, e.producerId), { id: e.id, seq })
      continue
    }
    const prior = e.producerId === null ? undefined : stored.get(keyOf(e.source, e.producerId))
    if (prior) outcomes[i] = { ...prior, duplicate: true }
    else missing.push(i)
  }
  if (missing.length > 0) {
    // keys another instance committed after this statement's snapshot was taken, before it got the lock
    const again = await sql.unsafe<Row[]>(STORED, [missing.map((i) => events[i].source ?? ''), missing.map((i) => events[i].producerId)] as never[])
    for (const r of again) stored.set(`${r.source_key}\u0000${r.producer_id}`, { id: r.id, seq: r.seq })
    for (const i of missing) {
      const e = events[i]
      const prior = stored.get(keyOf(e.source, e.producerId!))
      if (!prior) throw new Error(`event ${e.id} was neither inserted nor found`)
      outcomes[i] = { ...prior, duplicate: true }
    }
  }
  return outcomes
}
