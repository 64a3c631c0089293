// The events area of the PostgreSQL engine: a table partitioned by day of receive time
// (events-partitions.ts), idempotency keys beside it and appends in one statement under the events
// lock (events-insert.ts), concurrent appends of an instance grouped (micro-batcher.ts), and the reads
// of the EventStore port, each served by an index (seq, type, source, severity, id) within the days a
// time bound names.
import type { Sql } from 'postgres'
import type { PgArea } from './area.js'
import type { AppendOutcome, EventFilter, EventStore, NewEvent } from '../ports/events.js'
import { toEvent, type EventRow } from '../sqlite/events-query.js'
import { severityNumber } from '../../domain/shared/names.js'
import { insertEvents } from './events-insert.js'
import { dayOf, eventsLockKey, partitionManager, type PartitionManager } from './events-partitions.js'
import { createMicroBatcher } from './micro-batcher.js'

const DAY = 86_400_000

/** SQLSTATE 23514 with no partition for the row: a day dropped by another instance's retention */
const isMissingPartition = (err: unknown) => (err as { code?: string }).code === '23514' && /no partition/.test((err as Error).message)

/** Appends through the partitions: makes the days exist, inserts, and once more if a day was dropped meanwhile. */
export async function appendEvents (sql: Sql, schema: string, parts: PartitionManager, events: NewEvent[]): Promise<AppendOutcome[]> {
  await parts.ensure(events.map((e) => e.receivedAt))
  try {
    return await insertEvents(sql, schema, events)
  } catch (err) {
    if (!isMissingPartition(err)) throw err
    for (const e of events) parts.forget(dayOf(e.receivedAt))
    await parts.ensure(events.map((e) => e.receivedAt))
    return await insertEvents(sql, schema, events)
  }
}

export const eventsArea: PgArea<EventStore> = {
  name: 'events',
  migrations: [{
    version: 1,
    name: 'events partitioned by day, idempotency keys',
    up: `
      CREATE SEQUENCE events_seq AS BIGINT;
      CREATE TABLE events (
        seq BIGINT NOT NULL DEFAULT nextval('events_seq'),
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        source TEXT,
        severity TEXT,
        severity_number INTEGER,
        time TEXT,
        producer_id TEXT,
        traceparent TEXT,
        payload TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        attributes TEXT,
        PRIMARY KEY (seq, received_at)
      ) PARTITION BY RANGE (received_at);
      ALTER SEQUENCE events_seq OWNED BY events.seq;
      CREATE INDEX events_id ON events (id);
      CREATE INDEX events_type ON events (type, seq);
      CREATE INDEX events_source ON events (source, seq);
      CREATE INDEX events_severity ON events (severity_number, seq);
      CREATE TABLE event_keys (
        source_key TEXT NOT NULL,
        producer_id TEXT NOT NULL,
        id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (source_key, producer_id)
      );
      CREATE INDEX event_keys_received ON event_keys (received_at);
    `,
  }],
  open ({ guarded, sql, schema }) {
    const parts = partitionManager(sql, schema)
    const batcher = createMicroBatcher<NewEvent, AppendOutcome>((events) => appendEvents(sql, schema, parts, events))
    return {
      append: (events) => guarded(() => batcher.submit(events)),
      async query (f: EventFilter) {
        const where: string[] = []
        const args: unknown[] = []
        const arg = (v: unknown) => { args.push(v); return `$${args.length}` }
        if (f.type !== undefined) where.push(`type = ${arg(f.type)}`)
        if (f.source !== undefined) where.push(`source = ${arg(f.source)}`)
        if (f.severity !== undefined) where.push(`severity_number = ${arg(severityNumber(f.severity))} AND severity = ${arg(f.severity)}`)
        if (f.minSeverity !== undefined) where.push(`severity_number >= ${arg(severityNumber(f.minSeverity))}`)
        // received_at bounds prune the partitions read to the days they name
        if (f.since !== undefined) where.push(`received_at >= ${arg(Math.floor(f.since))}`)
        if (f.until !== undefined) where.push(`received_at < ${arg(Math.ceil(f.until))}`)
        if (f.beforeSeq !== undefined) where.push(`seq < ${arg(f.beforeSeq)}`)
        if (f.afterSeq !== undefined) where.push(`seq > ${arg(f.afterSeq)}`)
        const text = `SELECT * FROM events${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ${arg(f.limit)}`
        const rows = await guarded(() => sql.unsafe<EventRow[]>(text, args as never[], { prepare: true }))
        return rows.map(toEvent)
      },
      async get (id) {
        const [row] = await guarded(() => sql<EventRow[]>`SELECT * FROM events WHERE id = ${id} LIMIT 1`)
        return row ? toEvent(row) : undefined
      },
      async count () {
        const [{ n }] = await guarded(() => sql<Array<{ n: number }>>`SELECT count(*)::bigint AS n FROM events`)
        return n
      },
      async prune (before) {
        return await guarded(() => sql.begin(async (tx) => {
          // whole days before the bound: dropped; the day the bound falls in: its older rows deleted
          await tx`SELECT pg_advisory_xact_lock(hashtext(${eventsLockKey(schema) + ':partitions'}))`
          let n = 0
          for (const p of await parts.list(tx)) {
            if (p.day + DAY > before) continue
            const [{ c }] = await tx.unsafe<Array<{ c: number }>>(`SELECT count(*)::bigint AS c FROM ${p.name}`)
            await tx.unsafe(`DROP TABLE ${p.name}`)
            parts.forget(p.day)
            n += c
          }
          const deleted = await tx`DELETE FROM events WHERE received_at < ${before}`
          await tx`DELETE FROM event_keys WHERE received_at < ${before}`
          return n + deleted.count
        }))
      },
    }
  },
}
