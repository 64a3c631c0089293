// The stream log of the PostgreSQL engine: happenings without a table of their own (state and alert
// changes), kept a bounded time for GET /stream to resume a client from Last-Event-ID on any instance.
// Appends take the schema's stream-log lock for their transaction, so that seq order is commit order
// across instances: a replay after a seq never skips a lower seq committed late.
import type { PgArea } from './area.js'
import type { StreamLogEntry, StreamLogStore } from '../ports/stream-log.js'

export const streamLogArea: PgArea<StreamLogStore> = {
  name: 'streamLog',
  migrations: [{
    version: 1,
    name: 'stream log',
    up: `
      CREATE TABLE stream_log (
        seq BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX stream_log_kind ON stream_log (kind, seq);
      CREATE INDEX stream_log_at ON stream_log (at);
    `,
  }],
  open ({ guarded, sql, schema }) {
    const lock = `mcp-server:stream-log:${schema}`
    return {
      async append (kind, type, data, at = Date.now()) {
        // the lock is taken before nextval runs (the insert reads its one row from the locking CTE)
        const [{ seq }] = await guarded(() => sql<Array<{ seq: number }>>`
          WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtext(${lock})))
          INSERT INTO stream_log (kind, type, data, at) SELECT ${kind}, ${type}, ${JSON.stringify(data)}, ${Math.round(at)} FROM l RETURNING seq`)
        return seq
      },
      async after (kind, seq, limit) {
        const rows = await guarded(() => sql<Array<{ seq: number, kind: string, type: string, data: string, at: number }>>`
          SELECT seq, kind, type, data, at FROM stream_log WHERE kind = ${kind} AND seq > ${seq} ORDER BY seq LIMIT ${limit}`)
        return rows.map((r): StreamLogEntry => ({ seq: r.seq, kind: r.kind, type: r.type, data: JSON.parse(r.data), at: r.at }))
      },
      async prune (before) {
        return (await guarded(() => sql`DELETE FROM stream_log WHERE at < ${before}`)).count
      },
    }
  },
}
