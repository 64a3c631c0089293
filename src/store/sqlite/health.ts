// The health area: API-defined services, each service's current state, raw checks (short retention),
// hourly rollups (long retention, so uptime over a year is a sum of at most 8,760 rows) and incidents.
import type Database from 'better-sqlite3'
import type { CheckRecord, HealthStore, IncidentRecord, ServiceStateRecord, StateChange, StoredServiceDefinition, UptimeCounts } from '../ports/health.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export const healthArea: SqliteArea = {
  name: 'health',
  migrations: [{
    version: 1,
    name: 'services, state, checks, rollups, incidents',
    up: `
      CREATE TABLE health_services (
        name TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE health_service_state (
        service TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        since INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        not_up INTEGER NOT NULL,
        successes INTEGER NOT NULL,
        not_down INTEGER NOT NULL,
        incident_id TEXT,
        last_check TEXT
      );
      CREATE TABLE health_checks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        service TEXT NOT NULL,
        at INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        http_status INTEGER,
        error_class TEXT,
        message TEXT,
        tls_days_left REAL
      );
      CREATE INDEX health_checks_service ON health_checks (service, seq);
      CREATE INDEX health_checks_at ON health_checks (at);
      CREATE TABLE health_rollups (
        service TEXT NOT NULL,
        hour INTEGER NOT NULL,
        total INTEGER NOT NULL,
        up INTEGER NOT NULL,
        degraded INTEGER NOT NULL,
        down INTEGER NOT NULL,
        latency_sum REAL NOT NULL,
        latency_max REAL NOT NULL,
        PRIMARY KEY (service, hour)
      ) WITHOUT ROWID;
      CREATE INDEX health_rollups_hour ON health_rollups (hour);
      CREATE TABLE health_incidents (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        kind TEXT NOT NULL,
        cause TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX health_incidents_service ON health_incidents (service, id);
    `,
  }, {
    version: 2,
    name: 'checks during maintenance',
    // kept in history, left out of the rollups so maintenance time does not count against uptime
    up: 'ALTER TABLE health_checks ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0',
  }, {
    version: 3,
    name: 'daily rollups',
    // per-day counts beside the hourly ones: the fleet's 90-day bars read 24 times fewer rows
    up: `
      CREATE TABLE health_daily (
        service TEXT NOT NULL,
        day INTEGER NOT NULL,
        total INTEGER NOT NULL,
        up INTEGER NOT NULL,
        degraded INTEGER NOT NULL,
        down INTEGER NOT NULL,
        PRIMARY KEY (service, day)
      ) WITHOUT ROWID;
      CREATE INDEX health_daily_day ON health_daily (day);
      INSERT INTO health_daily (service, day, total, up, degraded, down)
        SELECT service, hour - hour % ${DAY}, sum(total), sum(up), sum(degraded), sum(down) FROM health_rollups GROUP BY service, hour - hour % ${DAY};
    `,
  }],
  // API-defined services are part of a backup; checks, rollups and incidents are history of this hub
  exportTables: [{ table: 'health_services', key: 'name', order: 'name' }],
  writeOps: {
    'health.putService' (db, d: StoredServiceDefinition) {
      sql(db)(`INSERT INTO health_services (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`)
        .run(d.name, JSON.stringify(d.definition), d.createdAt, d.updatedAt)
    },
    'health.removeService' (db, name: string) {
      const q = sql(db)
      for (const table of ['health_services WHERE name', 'health_service_state WHERE service', 'health_checks WHERE service', 'health_rollups WHERE service', 'health_daily WHERE service', 'health_incidents WHERE service']) {
        q(`DELETE FROM ${table} = ?`).run(name)
      }
    },
    'health.recordCheck' (db, item: { check: CheckRecord, change?: StateChange }): number {
      return recordCheck(db, item)
    },
    'health.recordChecks' (db, items: Array<{ check: CheckRecord, change?: StateChange }>): number[] {
      return items.map((item) => recordCheck(db, item))
    },
    'health.changeState' (db, change: StateChange) {
      applyChange(db, change)
    },
    'health.pruneChecks' (db, { before, limit }: { before: number, limit: number }): number {
      return sql(db)('DELETE FROM health_checks WHERE seq IN (SELECT seq FROM health_checks WHERE at < ? ORDER BY seq LIMIT ?)').run(before, limit).changes
    },
    'health.pruneRollups' (db, { before }: { before: number }): number {
      const q = sql(db)
      q('DELETE FROM health_incidents WHERE ended_at IS NOT NULL AND ended_at < ?').run(before)
      q('DELETE FROM health_daily WHERE day < ?').run(before - before % DAY)
      return q('DELETE FROM health_rollups WHERE hour < ?').run(before).changes
    },
  },
}

function recordCheck (db: Database.Database, { check, change }: { check: CheckRecord, change?: StateChange }): number {
  const q = sql(db)
  const r = q(`INSERT INTO health_checks (service, at, verdict, latency_ms, http_status, error_class, message, tls_days_left, maintenance)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(check.service, check.at, check.verdict, check.latencyMs, check.httpStatus, check.errorClass, check.message, check.tlsDaysLeft, check.maintenance ? 1 : 0)
  if (!check.maintenance) {
    q(`INSERT INTO health_rollups (service, hour, total, up, degraded, down, latency_sum, latency_max) VALUES (?, ?, 1, ?, ?, ?, ?, ?)
    ON CONFLICT (service, hour) DO UPDATE SET total = total + 1, up = up + excluded.up, degraded = degraded + excluded.degraded,
      down = down + excluded.down, latency_sum = latency_sum + excluded.latency_sum, latency_max = max(latency_max, excluded.latency_max)`)
      .run(check.service, Math.floor(check.at / HOUR) * HOUR, check.verdict === 'up' ? 1 : 0, check.verdict === 'degraded' ? 1 : 0,
        check.verdict === 'down' ? 1 : 0, check.latencyMs, check.latencyMs)
  }
  if (!check.maintenance) {
    q(`INSERT INTO health_daily (service, day, total, up, degraded, down) VALUES (?, ?, 1, ?, ?, ?)
    ON CONFLICT (service, day) DO UPDATE SET total = total + 1, up = up + excluded.up, degraded = degraded + excluded.degraded, down = down + excluded.down`)
      .run(check.service, check.at - check.at % DAY, check.verdict === 'up' ? 1 : 0, check.verdict === 'degraded' ? 1 : 0, check.verdict === 'down' ? 1 : 0)
  }
  const seq = Number(r.lastInsertRowid)
  if (change) applyChange(db, { ...change, state: { ...change.state, lastCheck: { ...check, seq } } })
  return seq
}

function applyChange (db: Database.Database, c: StateChange) {
  const q = sql(db)
  if (c.closeIncidentId) q('UPDATE health_incidents SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(c.at, c.closeIncidentId)
  if (c.openIncident) {
    const i = c.openIncident
    q('INSERT INTO health_incidents (id, service, kind, cause, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)').run(i.id, i.service, i.kind, i.cause, i.startedAt, i.endedAt)
  }
  const s = c.state
  q(`INSERT INTO health_service_state (service, state, since, failures, not_up, successes, not_down, incident_id, last_check)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (service) DO UPDATE SET state = excluded.state, since = excluded.since, failures = excluded.failures,
      not_up = excluded.not_up, successes = excluded.successes, not_down = excluded.not_down, incident_id = excluded.incident_id,
      last_check = excluded.last_check`)
    .run(s.service, s.state, s.since, s.failures, s.notUp, s.successes, s.notDown, s.incidentId, s.lastCheck ? JSON.stringify(s.lastCheck) : null)
}

export interface CheckRow { seq: number, service: string, at: number, verdict: CheckRecord['verdict'], latency_ms: number, http_status: number | null, error_class: string | null, message: string | null, tls_days_left: number | null, maintenance: number }
export const toCheck = (r: CheckRow): CheckRecord => ({
  seq: r.seq,
  service: r.service,
  at: r.at,
  verdict: r.verdict,
  latencyMs: r.latency_ms,
  httpStatus: r.http_status,
  errorClass: r.error_class,
  message: r.message,
  tlsDaysLeft: r.tls_days_left,
  maintenance: r.maintenance === 1,
})
export interface StateRow { service: string, state: ServiceStateRecord['state'], since: number, failures: number, not_up: number, successes: number, not_down: number, incident_id: string | null, last_check: string | null }
export const toState = (r: StateRow): ServiceStateRecord => ({
  service: r.service,
  state: r.state,
  since: r.since,
  failures: r.failures,
  notUp: r.not_up,
  successes: r.successes,
  notDown: r.not_down,
  incidentId: r.incident_id,
  lastCheck: r.last_check ? JSON.parse(r.last_check) : null,
})
export interface IncidentRow { id: string, service: string, kind: IncidentRecord['kind'], cause: string | null, started_at: number, ended_at: number | null }
export const toIncident = (r: IncidentRow): IncidentRecord => ({ id: r.id, service: r.service, kind: r.kind, cause: r.cause, startedAt: r.started_at, endedAt: r.ended_at })

export function sqliteHealthStore (reader: Database.Database, writer: Writer): HealthStore {
  const q = statementCache(reader)
  return {
    async listServices () {
      return (q('SELECT * FROM health_services ORDER BY name').all() as Array<{ name: string, definition: string, created_at: number, updated_at: number }>)
        .map((r) => ({ name: r.name, definition: JSON.parse(r.definition), createdAt: r.created_at, updatedAt: r.updated_at }))
    },
    putService: (d) => writer.submit('health.putService', d),
    removeService: (name) => writer.submit('health.removeService', name),
    async listStates () {
      return (q('SELECT * FROM health_service_state').all() as StateRow[]).map(toState)
    },
    recordCheck: (check, change) => writer.submit<number>('health.recordCheck', { check, change }, 1),
    recordChecks: (items) => writer.submit<number[]>('health.recordChecks', items, items.length),
    changeState: (change) => writer.submit('health.changeState', change),
    async history (service, f) {
      const where = ['service = ?']
      const args: unknown[] = [service]
      if (f.since !== undefined) { where.push('at >= ?'); args.push(f.since) }
      if (f.until !== undefined) { where.push('at < ?'); args.push(f.until) }
      if (f.beforeSeq !== undefined) { where.push('seq < ?'); args.push(f.beforeSeq) }
      return (q(`SELECT * FROM health_checks WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...args, f.limit) as CheckRow[]).map(toCheck)
    },
    async uptime (service, since) {
      const st = q('SELECT count(*) AS n, coalesce(sum(total), 0) AS total, coalesce(sum(up), 0) AS up, coalesce(sum(degraded), 0) AS degraded, coalesce(sum(down), 0) AS down FROM health_rollups WHERE service = ? AND hour >= ?')
      return since.map((s) => {
        const r = st.get(service, Math.floor(s / HOUR) * HOUR) as UptimeCounts
        return { total: r.total, up: r.up, degraded: r.degraded, down: r.down }
      })
    },
    async uptimeByDay (since, until = Number.MAX_SAFE_INTEGER) {
      // the daily table's (service, day) key serves the scan already ordered; rows as arrays: a fleet's
      // 90 days are ~180,000 of them, and objects cost twice the time
      const rows = q('SELECT service, day, total, up, degraded, down FROM health_daily WHERE day >= ? AND day < ? ORDER BY service, day')
        .raw(true).all(since - since % DAY, until) as Array<[string, number, number, number, number, number]>
      return rows.map(([service, day, total, up, degraded, down]) => ({ service, day, total, up, degraded, down }))
    },
    async incidents (service, f) {
      const rows = f.beforeId !== undefined
        ? q('SELECT * FROM health_incidents WHERE service = ? AND id < ? ORDER BY id DESC LIMIT ?').all(service, f.beforeId, f.limit)
        : q('SELECT * FROM health_incidents WHERE service = ? ORDER BY id DESC LIMIT ?').all(service, f.limit)
      return (rows as IncidentRow[]).map(toIncident)
    },
    async getIncident (id) {
      const r = q('SELECT * FROM health_incidents WHERE id = ?').get(id) as IncidentRow | undefined
      return r ? toIncident(r) : undefined
    },
    pruneChecks: (before) => writer.deleteInChunks('health.pruneChecks', before),
    pruneRollups: (before) => writer.submit<number>('health.pruneRollups', { before }, 1),
  }
}
