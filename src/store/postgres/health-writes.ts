// The health area's writes that span several tables, each run inside the caller's transaction: checks
// (one statement for a whole batch), their rollups (one additive upsert per table, keys sorted so two
// instances writing the same hours lock them in the same order) and state changes.
import type { TransactionSql } from 'postgres'
import type { CheckRecord, StateChange } from '../ports/health.js'

export type Tx = TransactionSql<Record<string, never>>

const HOUR = 3_600_000
const DAY = 24 * HOUR
// element type oids for typed array parameters
const TEXT = 25
const INT8 = 20
const INT4 = 23
const FLOAT8 = 701

/** Inserts the checks in order, their rollups, and each one's state change; answers the checks' seqs. */
export async function insertChecks (q: Tx, items: Array<{ check: CheckRecord, change?: StateChange }>): Promise<number[]> {
  const c = items.map((i) => i.check)
  const rows = await q<Array<{ seq: number }>>`
    INSERT INTO health_checks (service, at, verdict, latency_ms, http_status, error_class, message, tls_days_left, maintenance)
    SELECT service, at, verdict, latency_ms, http_status, error_class, message, tls_days_left, maintenance
    FROM unnest(${q.array(c.map((x) => x.service), TEXT)}::text[], ${q.array(c.map((x) => x.at), INT8)}::bigint[],
      ${q.array(c.map((x) => x.verdict), TEXT)}::text[], ${q.array(c.map((x) => x.latencyMs), FLOAT8)}::float8[],
      ${q.array(c.map((x) => x.httpStatus), INT4)}::int[], ${q.array(c.map((x) => x.errorClass), TEXT)}::text[],
      ${q.array(c.map((x) => x.message), TEXT)}::text[], ${q.array(c.map((x) => x.tlsDaysLeft), FLOAT8)}::float8[],
      ${q.array(c.map((x) => x.maintenance === true ? 1 : 0), INT4)}::int[])
      WITH ORDINALITY AS x(service, at, verdict, latency_ms, http_status, error_class, message, tls_days_left, maintenance, i)
    ORDER BY i
    RETURNING seq`
  // the identity hands out values in the order the rows are inserted: ascending is the batch's order
  const seqs = rows.map((r) => r.seq).sort((a, b) => a - b)
  await addRollups(q, c.filter((x) => !x.maintenance))
  for (let i = 0; i < items.length; i++) {
    const { check, change } = items[i]
    if (change) await applyChange(q, { ...change, state: { ...change.state, lastCheck: { ...check, seq: seqs[i] } } })
  }
  return seqs
}

interface Counts { total: number, up: number, degraded: number, down: number, latencySum: number, latencyMax: number }

/** Adds the checks to their hourly and daily rollups (maintenance checks are left out by the caller). */
async function addRollups (q: Tx, checks: CheckRecord[]) {
  if (checks.length === 0) return
  const hours = new Map<string, { service: string, at: number } & Counts>()
  const days = new Map<string, { service: string, at: number } & Counts>()
  for (const c of checks) {
    add(hours, c.service, Math.floor(c.at / HOUR) * HOUR, c)
    add(days, c.service, c.at - c.at % DAY, c)
  }
  const h = sorted(hours)
  await q`
    INSERT INTO health_rollups (service, hour, total, up, degraded, down, latency_sum, latency_max)
    SELECT * FROM unnest(${q.array(h.map((r) => r.service), TEXT)}::text[], ${q.array(h.map((r) => r.at), INT8)}::bigint[],
      ${q.array(h.map((r) => r.total), INT4)}::int[], ${q.array(h.map((r) => r.up), INT4)}::int[], ${q.array(h.map((r) => r.degraded), INT4)}::int[],
      ${q.array(h.map((r) => r.down), INT4)}::int[], ${q.array(h.map((r) => r.latencySum), FLOAT8)}::float8[], ${q.array(h.map((r) => r.latencyMax), FLOAT8)}::float8[])
    ON CONFLICT (service, hour) DO UPDATE SET total = health_rollups.total + excluded.total, up = health_rollups.up + excluded.up,
      degraded = health_rollups.degraded + excluded.degraded, down = health_rollups.down + excluded.down,
      latency_sum = health_rollups.latency_sum + excluded.latency_sum, latency_max = greatest(health_rollups.latency_max, excluded.latency_max)`
  const d = sorted(days)
  await q`
    INSERT INTO health_daily (service, day, total, up, degraded, down)
    SELECT * FROM unnest(${q.array(d.map((r) => r.service), TEXT)}::text[], ${q.array(d.map((r) => r.at), INT8)}::bigint[],
      ${q.array(d.map((r) => r.total), INT4)}::int[], ${q.array(d.map((r) => r.up), INT4)}::int[], ${q.array(d.map((r) => r.degraded), INT4)}::int[],
      ${q.array(d.map((r) => r.down), INT4)}::int[])
    ON CONFLICT (service, day) DO UPDATE SET total = health_daily.total + excluded.total, up = health_daily.up + excluded.up,
      degraded = health_daily.degraded + excluded.degraded, down = health_daily.down + excluded.down`
}

function add (into: Map<string, { service: string, at: number } & Counts>, service: string, at: number, c: CheckRecord) {
  const key = `${service}\u0000${at}`
  let r = into.get(key)
  if (!r) { r = { service, at, total: 0, up: 0, degraded: 0, down: 0, latencySum: 0, latencyMax: Number.NEGATIVE_INFINITY }; into.set(key, r) }
  r.total++
  r[c.verdict]++
  r.latencySum += c.latencyMs
  r.latencyMax = Math.max(r.latencyMax, c.latencyMs)
}

const sorted = <T extends { service: string, at: number }>(m: Map<string, T>) =>
  [...m.values()].sort((a, b) => a.service < b.service ? -1 : a.service > b.service ? 1 : a.at - b.at)

/** A state change: the incident it closes, the one it opens, the service's new state. */
export async function applyChange (q: Tx, c: StateChange) {
  if (c.closeIncidentId) await q`UPDATE health_incidents SET ended_at = ${c.at} WHERE id = ${c.closeIncidentId} AND ended_at IS NULL`
  if (c.openIncident) {
    const i = c.openIncident
    await q`INSERT INTO health_incidents (id, service, kind, cause, started_at, ended_at) VALUES (${i.id}, ${i.service}, ${i.kind}, ${i.cause}, ${i.startedAt}, ${i.endedAt})`
  }
  const s = c.state
  await q`INSERT INTO health_service_state (service, state, since, failures, not_up, successes, not_down, incident_id, last_check)
    VALUES (${s.service}, ${s.state}, ${s.since}, ${s.failures}, ${s.notUp}, ${s.successes}, ${s.notDown}, ${s.incidentId}, ${s.lastCheck ? JSON.stringify(s.lastCheck) : null})
    ON CONFLICT (service) DO UPDATE SET state = excluded.state, since = excluded.since, failures = excluded.failures,
      not_up = excluded.not_up, successes = excluded.successes, not_down = excluded.not_down, incident_id = excluded.incident_id,
      last_check = excluded.last_check`
}
