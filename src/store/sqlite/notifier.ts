// The notifier area: definitions (channels, rules, silences, maintenance), the notifier's view of
// service states, alerts, the outbox (items waiting for grouping, then messages) and the delivery log.
import type Database from 'better-sqlite3'
import type { AlertRecord } from '../../domain/notifier/alert-machine.js'
import type { DeliveryRecord, LastServiceState, NewDelivery, NotifierDefinitionKind, NotifierStore, OutboxItem, OutboxMessage } from '../ports/notifier.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

export const notifierArea: SqliteArea = {
  name: 'notifier',
  migrations: [{
    version: 1,
    name: 'notifier tables',
    up: `
      CREATE TABLE notifier_definitions (
        kind TEXT NOT NULL, id TEXT NOT NULL, spec TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE TABLE notifier_service_states (
        service TEXT PRIMARY KEY, state TEXT NOT NULL, tags TEXT NOT NULL, depends_on TEXT NOT NULL, at INTEGER NOT NULL
      );
      CREATE TABLE notifier_alerts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        service TEXT,
        state TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX notifier_alerts_state ON notifier_alerts (state, seq);
      CREATE TABLE notifier_items (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        channel_id TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        message_id TEXT
      );
      CREATE INDEX notifier_items_pending ON notifier_items (seq) WHERE message_id IS NULL;
      CREATE TABLE notifier_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        channel_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        alert_ids TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        sent_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX notifier_outbox_due ON notifier_outbox (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX notifier_outbox_channel ON notifier_outbox (channel_id, created_at);
      CREATE INDEX notifier_outbox_head ON notifier_outbox (channel_id, seq) WHERE status = 'pending';
      CREATE INDEX notifier_outbox_created ON notifier_outbox (created_at);
      CREATE TABLE notifier_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        alert_ids TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        duration_ms REAL NOT NULL
      );
      CREATE INDEX notifier_deliveries_channel ON notifier_deliveries (channel_id, seq);
      CREATE INDEX notifier_deliveries_at ON notifier_deliveries (at);
    `,
  }],
  // channels, rules, silences and maintenance windows defined through the API are part of a backup
  exportTables: [{ table: 'notifier_definitions', key: ['kind', 'id'], order: 'id' }],
  writeOps: {
    'notifier.putDefinition' (db, { kind, id, spec }: { kind: string, id: string, spec: string }) {
      sql(db)(`INSERT INTO notifier_definitions (kind, id, spec, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (kind, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`).run(kind, id, spec, Date.now())
    },
    'notifier.deleteDefinition' (db, { kind, id }: { kind: string, id: string }): boolean {
      return sql(db)('DELETE FROM notifier_definitions WHERE kind = ? AND id = ?').run(kind, id).changes === 1
    },
    'notifier.record' (db, c: { serviceState?: LastServiceState, alerts?: AlertRecord[], items?: OutboxItem[] }) {
      const q = sql(db)
      if (c.serviceState) {
        const s = c.serviceState
        q(`INSERT INTO notifier_service_states (service, state, tags, depends_on, at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (service) DO UPDATE SET state = excluded.state, tags = excluded.tags, depends_on = excluded.depends_on, at = excluded.at`)
          .run(s.service, s.state, JSON.stringify(s.tags), JSON.stringify(s.dependsOn), s.at)
      }
      const upsert = q(`INSERT INTO notifier_alerts (id, service, state, data) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, data = excluded.data`)
      for (const a of c.alerts ?? []) upsert.run(a.id, a.service, a.state, JSON.stringify(a))
      const item = q('INSERT INTO notifier_items (id, channel_id, alert_id, snapshot, created_at) VALUES (?, ?, ?, ?, ?)')
      for (const i of c.items ?? []) item.run(i.id, i.channelId, i.alertId, JSON.stringify(i.snapshot), i.createdAt)
    },
    'notifier.enqueue' (db, { message: m, itemIds }: { message: OutboxMessage, itemIds: string[] }) {
      const q = sql(db)
      q(`INSERT INTO notifier_outbox (id, channel_id, kind, payload, alert_ids, status, attempts, created_at, next_attempt_at, sent_at, last_error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(m.id, m.channelId, m.kind, JSON.stringify(m.payload), JSON.stringify(m.alertIds), m.status, m.attempts, m.createdAt, m.nextAttemptAt, m.sentAt, m.lastError)
      const mark = q('UPDATE notifier_items SET message_id = ? WHERE id = ? AND message_id IS NULL')
      for (const id of itemIds) {
        // an item grouped twice would send a notice twice: refuse the whole message instead
        if (mark.run(m.id, id).changes !== 1) throw new Error(`item ${id} is already grouped`)
      }
    },
    /** Deletes at most `limit` rows of each kind older than `before`: the log, finished messages, resolved alerts. */
    'notifier.prune' (db, { before, limit }: { before: number, limit: number }): number {
      const q = sql(db)
      let n = q('DELETE FROM notifier_deliveries WHERE seq IN (SELECT seq FROM notifier_deliveries WHERE at < ? ORDER BY seq LIMIT ?)').run(before, limit).changes
      n += q('DELETE FROM notifier_items WHERE seq IN (SELECT seq FROM notifier_items WHERE message_id IS NOT NULL AND created_at < ? ORDER BY seq LIMIT ?)').run(before, limit).changes
      n += q("DELETE FROM notifier_outbox WHERE seq IN (SELECT seq FROM notifier_outbox WHERE status <> 'pending' AND created_at < ? ORDER BY seq LIMIT ?)").run(before, limit).changes
      n += q("DELETE FROM notifier_alerts WHERE seq IN (SELECT seq FROM notifier_alerts WHERE state = 'resolved' AND json_extract(data, '$.resolvedAt') < ? ORDER BY seq LIMIT ?)").run(before, limit).changes
      return n
    },
    'notifier.recordAttempt' (db, { delivery: d, update: u }: { delivery: NewDelivery, update: Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'sentAt' | 'lastError'> }) {
      const q = sql(db)
      q(`INSERT INTO notifier_deliveries (message_id, channel_id, kind, alert_ids, attempt, at, outcome, status_code, error, duration_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(d.messageId, d.channelId, d.kind, JSON.stringify(d.alertIds), d.attempt, d.at, d.outcome, d.statusCode, d.error, d.durationMs)
      q('UPDATE notifier_outbox SET status = ?, attempts = ?, next_attempt_at = ?, sent_at = ?, last_error = ? WHERE id = ?')
        .run(u.status, u.attempts, u.nextAttemptAt, u.sentAt, u.lastError, d.messageId)
    },
  },
}

export interface MessageRow {
  id: string,
  channel_id: string,
  kind: string,
  payload: string,
  alert_ids: string,
  status: OutboxMessage['status'],
  attempts: number,
  created_at: number,
  next_attempt_at: number,
  sent_at: number | null,
  last_error: string | null
}
export const toMessage = (r: MessageRow): OutboxMessage => ({
  id: r.id,
  channelId: r.channel_id,
  kind: r.kind,
  payload: JSON.parse(r.payload),
  alertIds: JSON.parse(r.alert_ids),
  status: r.status,
  attempts: r.attempts,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  sentAt: r.sent_at,
  lastError: r.last_error,
})

export interface DeliveryRow {
  seq: number,
  message_id: string,
  channel_id: string,
  kind: string,
  alert_ids: string,
  attempt: number,
  at: number,
  outcome: NewDelivery['outcome'],
  status_code: number | null,
  error: string | null,
  duration_ms: number
}
export const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  seq: r.seq,
  messageId: r.message_id,
  channelId: r.channel_id,
  kind: r.kind,
  alertIds: JSON.parse(r.alert_ids),
  attempt: r.attempt,
  at: r.at,
  outcome: r.outcome,
  statusCode: r.status_code,
  error: r.error,
  durationMs: r.duration_ms,
})

const PRUNE_CHUNK = 2000

export function sqliteNotifierStore (reader: Database.Database, writer: Writer): NotifierStore {
  const q = statementCache(reader)
  const alertOf = (r: { data: string }) => JSON.parse(r.data) as AlertRecord
  return {
    async definitions (kind: NotifierDefinitionKind) {
      return (q('SELECT id, spec FROM notifier_definitions WHERE kind = ? ORDER BY id').all(kind) as Array<{ id: string, spec: string }>)
        .map((r) => ({ id: r.id, spec: JSON.parse(r.spec) }))
    },
    putDefinition: (kind, id, spec) => writer.submit('notifier.putDefinition', { kind, id, spec: JSON.stringify(spec) }),
    deleteDefinition: (kind, id) => writer.submit<boolean>('notifier.deleteDefinition', { kind, id }),
    async serviceStates () {
      return (q('SELECT * FROM notifier_service_states').all() as Array<{ service: string, state: string, tags: string, depends_on: string, at: number }>)
        .map((r) => ({ service: r.service, state: r.state, tags: JSON.parse(r.tags), dependsOn: JSON.parse(r.depends_on), at: r.at }))
    },
    async openAlerts () {
      return (q("SELECT data FROM notifier_alerts WHERE state = 'firing' ORDER BY seq").all() as Array<{ data: string }>).map(alertOf)
    },
    async alerts (f) {
      const where: string[] = []
      const args: unknown[] = []
      if (f.state === 'active') where.push("state = 'firing'")
      if (f.state === 'resolved') where.push("state = 'resolved'")
      if (f.service !== undefined) { where.push('service = ?'); args.push(f.service) }
      const text = `SELECT data FROM notifier_alerts${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`
      return (q(text).all(...args, f.limit) as Array<{ data: string }>).map(alertOf)
    },
    async getAlert (id) {
      const row = q('SELECT data FROM notifier_alerts WHERE id = ?').get(id) as { data: string } | undefined
      return row ? alertOf(row) : undefined
    },
    record: (changes) => writer.submit('notifier.record', changes, 1 + (changes.alerts?.length ?? 0) + (changes.items?.length ?? 0)),
    async pendingItems () {
      return (q('SELECT * FROM notifier_items WHERE message_id IS NULL ORDER BY seq').all() as Array<{ id: string, channel_id: string, alert_id: string, snapshot: string, created_at: number }>)
        .map((r) => ({ id: r.id, channelId: r.channel_id, alertId: r.alert_id, snapshot: JSON.parse(r.snapshot), createdAt: r.created_at }))
    },
    enqueue: (message, itemIds) => writer.submit('notifier.enqueue', { message, itemIds }, 1 + itemIds.length),
    async dueMessages (now, limit) {
      // only each channel's oldest pending message: a channel receives its messages in order, so a
      // resolution never overtakes the firing still being retried
      return (q(`SELECT * FROM notifier_outbox o WHERE status = 'pending' AND next_attempt_at <= ?
        AND seq = (SELECT min(seq) FROM notifier_outbox p WHERE p.status = 'pending' AND p.channel_id = o.channel_id)
        ORDER BY next_attempt_at, seq LIMIT ?`).all(now, limit) as MessageRow[]).map(toMessage)
    },
    async messageTimes (channelId, since) {
      return (q('SELECT created_at FROM notifier_outbox WHERE channel_id = ? AND created_at > ? ORDER BY created_at').all(channelId, since) as Array<{ created_at: number }>).map((r) => r.created_at)
    },
    recordAttempt: (delivery, update) => writer.submit('notifier.recordAttempt', { delivery, update }, 2),
    async deliveries (f) {
      const where: string[] = []
      const args: unknown[] = []
      if (f.channelId !== undefined) { where.push('channel_id = ?'); args.push(f.channelId) }
      if (f.alertId !== undefined) { where.push('EXISTS (SELECT 1 FROM json_each(alert_ids) WHERE value = ?)'); args.push(f.alertId) }
      const text = `SELECT * FROM notifier_deliveries${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`
      return (q(text).all(...args, f.limit) as DeliveryRow[]).map(toDelivery)
    },
    async prune (before) {
      let total = 0
      for (;;) {
        const n = await writer.submit<number>('notifier.prune', { before, limit: PRUNE_CHUNK }, 1)
        total += n
        if (n === 0) return total
      }
    },
    async pendingCount () {
      return (q("SELECT count(*) AS n FROM notifier_outbox WHERE status = 'pending'").get() as { n: number }).n
    },
  }
}
