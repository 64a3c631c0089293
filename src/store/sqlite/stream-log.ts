// The stream log: happenings that have no table of their own to replay from (service state changes,
// alert changes), kept a bounded time so GET /stream can resume a client from Last-Event-ID.
import type Database from 'better-sqlite3'
import type { StreamLogEntry, StreamLogStore } from '../ports/stream-log.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

export const streamLogArea: SqliteArea = {
  name: 'stream',
  migrations: [{
    version: 1,
    name: 'stream log',
    up: `
      CREATE TABLE stream_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX stream_log_kind ON stream_log (kind, seq);
      CREATE INDEX stream_log_at ON stream_log (at);
    `,
  }],
  writeOps: {
    'stream.append' (db, e: { kind: string, type: string, data: string, at: number }): number {
      return Number(sql(db)('INSERT INTO stream_log (kind, type, data, at) VALUES (?, ?, ?, ?)').run(e.kind, e.type, e.data, e.at).lastInsertRowid)
    },
    'stream.prune' (db, { before }: { before: number }): number {
      return sql(db)('DELETE FROM stream_log WHERE at < ?').run(before).changes
    },
  },
}

export function sqliteStreamLogStore (reader: Database.Database, writer: Writer): StreamLogStore {
  const q = statementCache(reader)
  return {
    append: (kind, type, data, at = Date.now()) => writer.submit<number>('stream.append', { kind, type, data: JSON.stringify(data), at }, 1),
    async after (kind, seq, limit) {
      const rows = q('SELECT seq, kind, type, data, at FROM stream_log WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?').all(kind, seq, limit) as Array<{ seq: number, kind: string, type: string, data: string, at: number }>
      return rows.map((r): StreamLogEntry => ({ seq: r.seq, kind: r.kind, type: r.type, data: JSON.parse(r.data), at: r.at }))
    },
    prune: (before) => writer.submit<number>('stream.prune', { before }, 1),
  }
}
