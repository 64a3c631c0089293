// The notifier area of the PostgreSQL engine: the SQLite engine's tables (definitions, service states,
// alerts, queued items, the outbox and the delivery log), JSON kept as TEXT. What two instances could
// both take is taken by a conditional write: grouping marks only items not yet grouped (a row lock, and
// the condition checked again after a concurrent grouping commits), and `claimDue` takes due messages
// with FOR UPDATE SKIP LOCKED, pushing their next attempt out by a lease, so each goes to one sender.
import type { PgArea } from './area.js'
import type { AlertRecord } from '../../domain/notifier/alert-machine.js'
import type { DeliveryRecord, NotifierStore } from '../ports/notifier.js'
import { conflict } from '../../domain/shared/errors.js'
import { NOTIFIER_TABLES, toDelivery, toMessage, type DeliveryRow, type MessageRow } from './notifier-rows.js'

const PRUNE_CHUNK = 2000

/** The notifier port with its claim (their next attempt moves `leaseMs` on: no other claim, nor `dueMessages`, answers them meanwhile). */
export type PgNotifierStore = NotifierStore & Required<Pick<NotifierStore, 'claimDue'>>

export const notifierArea: PgArea<PgNotifierStore> = {
  name: 'notifier',
  migrations: [{ version: 1, name: 'notifier tables', up: NOTIFIER_TABLES }],
  open ({ guarded, sql }) {
    const alertOf = (r: { data: string }) => JSON.parse(r.data) as AlertRecord
    /** each channel's oldest pending message, if due (a channel receives its messages in order) */
    const due = (now: number) => sql`status = 'pending' AND next_attempt_at <= ${now}
      AND seq = (SELECT min(seq) FROM notifier_outbox p WHERE p.status = 'pending' AND p.channel_id = o.channel_id)`
    return {
      definitions: (kind) => guarded(async () => {
        const rows = await sql<Array<{ id: string, spec: string }>>`SELECT id, spec FROM notifier_definitions WHERE kind = ${kind} ORDER BY id`
        return rows.map((r) => ({ id: r.id, spec: JSON.parse(r.spec) }))
      }),
      putDefinition: (kind, id, spec) => guarded(async () => {
        await sql`INSERT INTO notifier_definitions (kind, id, spec, updated_at) VALUES (${kind}, ${id}, ${JSON.stringify(spec)}, ${Date.now()})
          ON CONFLICT (kind, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`
      }),
      deleteDefinition: (kind, id) => guarded(async () => (await sql`DELETE FROM notifier_definitions WHERE kind = ${kind} AND id = ${id}`).count === 1),
      serviceStates: () => guarded(async () => {
        const rows = await sql<Array<{ service: string, state: string, tags: string, depends_on: string, at: number }>>`SELECT * FROM notifier_service_states ORDER BY service`
        return rows.map((r) => ({ service: r.service, state: r.state, tags: JSON.parse(r.tags), dependsOn: JSON.parse(r.depends_on), at: r.at }))
      }),
      openAlerts: () => guarded(async () => (await sql<Array<{ data: string }>>`SELECT data FROM notifier_alerts WHERE state = 'firing' ORDER BY seq`).map(alertOf)),
      alerts: (f) => guarded(async () => {
        const where = [
          f.state === 'active' ? sql`state = 'firing'` : f.state === 'resolved' ? sql`state = 'resolved'` : null,
          f.service !== undefined ? sql`service = ${f.service}` : null,
        ].filter((w) => w !== null)
        const rows = await sql<Array<{ data: string }>>`SELECT data FROM notifier_alerts
          ${where.length ? sql`WHERE ${where.reduce((a, w) => sql`${a} AND ${w}`)}` : sql``} ORDER BY seq DESC LIMIT ${f.limit}`
        return rows.map(alertOf)
      }),
      getAlert: (id) => guarded(async () => {
        const [row] = await sql<Array<{ data: string }>>`SELECT data FROM notifier_alerts WHERE id = ${id}`
        return row ? alertOf(row) : undefined
      }),
      record: (c) => guarded(() => sql.begin(async (q) => {
        if (c.serviceState) {
          const s = c.serviceState
          await q`INSERT INTO notifier_service_states (service, state, tags, depends_on, at) VALUES (${s.service}, ${s.state}, ${JSON.stringify(s.tags)}, ${JSON.stringify(s.dependsOn)}, ${s.at})
            ON CONFLICT (service) DO UPDATE SET state = excluded.state, tags = excluded.tags, depends_on = excluded.depends_on, at = excluded.at`
        }
        for (const a of c.alerts ?? []) {
          await q`INSERT INTO notifier_alerts (id, service, state, data) VALUES (${a.id}, ${a.service}, ${a.state}, ${JSON.stringify(a)})
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, data = excluded.data`
        }
        const items = (c.items ?? []).map((i) => ({ id: i.id, channel_id: i.channelId, alert_id: i.alertId, snapshot: JSON.stringify(i.snapshot), created_at: i.createdAt }))
        if (items.length) await q`INSERT INTO notifier_items ${q(items, 'id', 'channel_id', 'alert_id', 'snapshot', 'created_at')}`
      }).then(() => {})),
      pendingItems: () => guarded(async () => {
        const rows = await sql<Array<{ id: string, channel_id: string, alert_id: string, snapshot: string, created_at: number }>>`SELECT * FROM notifier_items WHERE message_id IS NULL ORDER BY seq`
        return rows.map((r) => ({ id: r.id, channelId: r.channel_id, alertId: r.alert_id, snapshot: JSON.parse(r.snapshot), createdAt: r.created_at }))
      }),
      enqueue: (m, itemIds) => guarded(() => sql.begin(async (q) => {
        await q`INSERT INTO notifier_outbox (id, channel_id, kind, payload, alert_ids, status, attempts, created_at, next_attempt_at, sent_at, last_error)
          VALUES (${m.id}, ${m.channelId}, ${m.kind}, ${JSON.stringify(m.payload)}, ${JSON.stringify(m.alertIds)}, ${m.status}, ${m.attempts}, ${m.createdAt}, ${m.nextAttemptAt}, ${m.sentAt}, ${m.lastError})`
        const ids = [...new Set(itemIds)]
        if (ids.length === 0) return
        // the claim: only items no message holds yet; an item grouped twice would send a notice twice,
        // so the whole message is refused (and rolled back) instead
        const marked = await q`UPDATE notifier_items SET message_id = ${m.id} WHERE id = ANY(${q.array(ids, 25)}::text[]) AND message_id IS NULL`
        if (marked.count !== ids.length) throw conflict(`an item of message ${m.id} is already grouped`)
      }).then(() => {})),
      dueMessages: (now, limit) => guarded(async () => {
        const rows = await sql<MessageRow[]>`SELECT * FROM notifier_outbox o WHERE ${due(now)} ORDER BY next_attempt_at, seq LIMIT ${limit}`
        return rows.map(toMessage)
      }),
      claimDue: (now, limit, leaseMs) => guarded(async () => {
        // the CTE reads the rows as they were before the lease was written: callers see their own next attempt time
        const rows = await sql<MessageRow[]>`
          WITH taken AS (SELECT * FROM notifier_outbox o WHERE ${due(now)} ORDER BY next_attempt_at, seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          UPDATE notifier_outbox SET next_attempt_at = ${now + leaseMs} FROM taken WHERE notifier_outbox.seq = taken.seq
          RETURNING taken.*`
        return rows.map(toMessage).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      }),
      messageTimes: (channelId, since) => guarded(async () =>
        (await sql<Array<{ created_at: number }>>`SELECT created_at FROM notifier_outbox WHERE channel_id = ${channelId} AND created_at > ${since} ORDER BY created_at`).map((r) => r.created_at)),
      recordAttempt: (d, u) => guarded(() => sql.begin(async (q) => {
        await q`INSERT INTO notifier_deliveries (message_id, channel_id, kind, alert_ids, attempt, at, outcome, status_code, error, duration_ms)
          VALUES (${d.messageId}, ${d.channelId}, ${d.kind}, ${JSON.stringify(d.alertIds)}, ${d.attempt}, ${d.at}, ${d.outcome}, ${d.statusCode}, ${d.error}, ${d.durationMs})`
        await q`UPDATE notifier_outbox SET status = ${u.status}, attempts = ${u.attempts}, next_attempt_at = ${u.nextAttemptAt}, sent_at = ${u.sentAt}, last_error = ${u.lastError}
          WHERE id = ${d.messageId}`
      }).then(() => {})),
      deliveries: (f) => guarded(async () => {
        const where = [
          f.channelId !== undefined ? sql`channel_id = ${f.channelId}` : null,
          f.alertId !== undefined ? sql`alert_ids::jsonb @> ${JSON.stringify([f.alertId])}::text::jsonb` : null,
        ].filter((w) => w !== null)
        const rows = await sql<DeliveryRow[]>`SELECT * FROM notifier_deliveries
          ${where.length ? sql`WHERE ${where.reduce((a, w) => sql`${a} AND ${w}`)}` : sql``} ORDER BY seq DESC LIMIT ${f.limit}`
        return rows.map(toDelivery) as DeliveryRecord[]
      }),
      pendingCount: () => guarded(async () => (await sql<Array<{ n: number }>>`SELECT count(*) AS n FROM notifier_outbox WHERE status = 'pending'`)[0].n),
      prune: (before) => guarded(async () => {
        // chunks, each its own short statement; finished messages only (a pending one is kept however old)
        let total = 0
        for (;;) {
          let n = (await sql`DELETE FROM notifier_deliveries WHERE seq IN (SELECT seq FROM notifier_deliveries WHERE at < ${before} ORDER BY seq LIMIT ${PRUNE_CHUNK})`).count
          n += (await sql`DELETE FROM notifier_items WHERE seq IN (SELECT seq FROM notifier_items WHERE message_id IS NOT NULL AND created_at < ${before} ORDER BY seq LIMIT ${PRUNE_CHUNK})`).count
          n += (await sql`DELETE FROM notifier_outbox WHERE seq IN (SELECT seq FROM notifier_outbox WHERE status <> 'pending' AND created_at < ${before} ORDER BY seq LIMIT ${PRUNE_CHUNK})`).count
          n += (await sql`DELETE FROM notifier_alerts WHERE seq IN (SELECT seq FROM notifier_alerts WHERE state = 'resolved'
            AND (data::jsonb ->> 'resolvedAt')::double precision < ${before} ORDER BY seq LIMIT ${PRUNE_CHUNK})`).count
          total += n
          if (n === 0) return total
        }
      }),
    }
  },
}
