// Backups of the PostgreSQL engine: the same tables, columns and row shapes as the SQLite engine (a
// bundle of one restores into the other: `mcp-server migrate` relies on it), so the list of tables is
// the one the SQLite areas declare. The snapshot reads every table on one reserved connection inside
// one REPEATABLE READ, READ ONLY transaction (one point in time while writes go on); a restore runs in
// one transaction holding the events and audit locks: all or nothing, with SQLite's line-numbered errors.
import type { TransactionSql } from 'postgres'
import type { PgArea } from './area.js'
import type { BackupRow, BackupStore } from '../ports/backup.js'
import type { NewEvent } from '../ports/events.js'
import type { Severity } from '../../domain/shared/names.js'
import { DomainError } from '../../domain/shared/errors.js'
import { exportTables } from '../sqlite/areas.js'
import type { ExportTable } from '../sqlite/area.js'
import { auditRowOf } from '../sqlite/backup.js'
import { isUnavailable } from './errors.js'
import { quoteIdent } from './migrations.js'
import { insertEvents } from './events-insert.js'
import { eventsLockKey, partitionManager } from './events-partitions.js'
import { auditLockKey } from './audit.js'

type Line = BackupRow & { line: number }
interface Column { name: string, required: boolean }

const invalid = (line: number, message: string) => new DomainError('invalid', `line ${line}: ${message}`, { line })
/** rows of the events table restored per statement */
const EVENTS_CHUNK = 1000

/** Checks a row against its table's columns and key, as the SQLite engine does; answers the key columns. */
function check ({ line, table, row }: Line, spec: ExportTable | undefined, cols: Map<string, Column> | undefined): string[] {
  if (!spec || !cols) throw invalid(line, `unknown table ${table}`)
  for (const [name, value] of Object.entries(row)) {
    if (!cols.has(name)) throw invalid(line, `${table} has no column ${name}`)
    if (value !== null && typeof value === 'object') throw invalid(line, `${table}.${name} must be a string, a number or null`)
  }
  for (const c of cols.values()) {
    if (c.required && (row[c.name] === undefined || row[c.name] === null)) throw invalid(line, `${table}.${c.name} is required`)
  }
  const keys = Array.isArray(spec.key) ? spec.key : [spec.key]
  const missing = keys.find((k) => row[k] === undefined || row[k] === null)
  if (missing) throw invalid(line, `${table}.${missing} is required`)
  return keys
}

const eventOf = (r: Record<string, unknown>): NewEvent => ({
  id: String(r.id),
  type: String(r.type),
  source: (r.source ?? null) as string | null,
  severity: (r.severity ?? null) as Severity | null,
  time: (r.time ?? null) as string | null,
  producerId: (r.producer_id ?? null) as string | null,
  traceparent: (r.traceparent ?? null) as string | null,
  payloadJson: String(r.payload),
  attributesJson: (r.attributes ?? null) as string | null,
  receivedAt: Number(r.received_at),
})

/** Any failure of a statement other than a lost database is the row's fault: named by its line. */
async function atLine<T> (line: number, table: string, fn: () => Promise<T>): Promise<T> {
  try { return await fn() } catch (err) {
    if (isUnavailable(err) || err instanceof DomainError) throw err
    throw invalid(line, `${table}: ${(err as Error).message}`)
  }
}

async function restoreIn (tx: TransactionSql, schema: string, rows: Line[]) {
  await tx`SELECT pg_advisory_xact_lock(hashtext(${eventsLockKey(schema)})), pg_advisory_xact_lock(hashtext(${auditLockKey(schema)}))`
  const specs = new Map(exportTables.map((t) => [t.table, t]))
  const info = await tx<Array<{ table: string, name: string, required: boolean }>>`
    SELECT table_name AS table, column_name AS name, (is_nullable = 'NO' AND column_default IS NULL) AS required
    FROM information_schema.columns WHERE table_schema = ${schema} AND table_name IN ${tx(exportTables.map((t) => t.table))}`
  const columns = new Map<string, Map<string, Column>>()
  for (const c of info) {
    if (!columns.has(c.table)) columns.set(c.table, new Map())
    columns.get(c.table)!.set(c.name, c)
  }
  const inserted: Record<string, number> = {}
  const skipped: Record<string, number> = {}
  for (const t of exportTables) { inserted[t.table] = 0; skipped[t.table] = 0 }

  let events: Line[] = []
  // events go in by chunks through the engine's own append (new seqs here, duplicate producer keys skipped)
  const flushEvents = async () => {
    if (events.length === 0) return
    const chunk = events
    events = []
    const ids = chunk.map((r) => String(r.row.id))
    const have = new Set((await tx<Array<{ id: string }>>`SELECT id FROM events WHERE id IN ${tx(ids)}`).map((r) => r.id))
    const fresh = chunk.filter((r, i) => { const known = have.has(ids[i]); have.add(ids[i]); return !known })
    skipped.events += chunk.length - fresh.length
    if (fresh.length === 0) return
    const out = await atLine(fresh[0].line, 'events', () => insertEvents(tx, schema, fresh.map((r) => eventOf(r.row))))
    for (const o of out) { if (o.duplicate) skipped.events++; else inserted.events++ }
  }
  for (const r of rows) {
    const spec = specs.get(r.table)
    const keys = check(r, spec, columns.get(r.table))
    if (r.table === 'events') {
      events.push(r)
      if (events.length >= EVENTS_CHUNK) await flushEvents()
      continue
    }
    const { line, table, row } = r
    const where = keys.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ')
    const [existing] = await atLine(line, table, () => tx.unsafe(`SELECT * FROM ${quoteIdent(table)} WHERE ${where}`, keys.map((k) => row[k]) as never[]))
    if (existing) {
      if (spec!.immutable && Object.keys(existing).some((c) => (existing[c] ?? null) !== (row[c] ?? null))) {
        throw invalid(line, `${table} already holds a different row with ${keys.join('/')} ${keys.map((k) => String(row[k])).join('/')}`)
      }
      skipped[table]++
      continue
    }
    const names = Object.keys(row)
    const text = `INSERT INTO ${quoteIdent(table)} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})` +
      (spec!.immutable ? '' : ' ON CONFLICT DO NOTHING')
    const result = await atLine(line, table, async () => {
      // a savepoint, so that a unique violation of the trail is told apart from other failures
      try {
        return await tx.savepoint((sp) => sp.unsafe(text, names.map((n) => row[n]) as never[]))
      } catch (err) {
        if (spec!.immutable && (err as { code?: string }).code === '23505') {
          throw invalid(line, `${table} already holds a different row at ${spec!.order} ${String(row[spec!.order])}: ` +
            'a trail restores only into a hub whose trail is empty or the start of the same trail (restore into a fresh database first)')
        }
        throw err
      }
    })
    if (result.count === 0) skipped[table]++
    else inserted[table]++
  }
  await flushEvents()
  return { inserted, skipped }
}

export const backupArea: PgArea<BackupStore> = {
  name: 'backup',
  migrations: [],
  open ({ guarded, sql, schema }) {
    const parts = partitionManager(sql, schema)
    return {
      tables: () => exportTables.map((t) => t.table),
      async * snapshot () {
        const conn = await guarded(() => sql.reserve())
        try {
          await guarded(() => conn`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
          for (const t of exportTables) {
            const rows = conn.unsafe(`SELECT * FROM ${quoteIdent(t.table)} ORDER BY ${quoteIdent(t.order)}`).cursor(500)
            for await (const chunk of rows) {
              for (const row of chunk) yield { table: t.table, row: row as Record<string, unknown> }
            }
          }
          await guarded(() => conn`COMMIT`)
        } finally {
          // a snapshot left early (the reader stopped) ends its transaction before the connection goes back
          await conn`ROLLBACK`.catch(() => {})
          conn.release()
        }
      },
      async restore (rows) {
        // the days of the restored events get their partitions first (in their own transaction: an empty partition is harmless)
        const days: number[] = []
        for (const r of rows) if (r.table === 'events' && Number.isFinite(Number(r.row.received_at))) days.push(Number(r.row.received_at))
        await guarded(() => parts.ensure(days))
        return await guarded(() => sql.begin((tx) => restoreIn(tx, schema, rows)))
      },
      auditRowOf,
    }
  },
}
