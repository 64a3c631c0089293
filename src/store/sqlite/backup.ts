// Backups of the SQLite engine: a consistent snapshot of every exportable table, and an all-or-nothing
// restore. The snapshot reads on its own read-only connection inside one read transaction: WAL keeps
// that view fixed while writes go on, and the main reader's other queries never see a stale snapshot.
import Database from 'better-sqlite3'
import { DomainError } from '../../domain/shared/errors.js'
import type { AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'
import type { BackupRow, BackupStore } from '../ports/backup.js'
import { sql, type ExportTable, type SqliteArea, type Writer } from './area.js'
import { rowToEntry, toCheckpoint, type AuditRow, type CheckpointRow } from './audit.js'

interface RestoreArgs { tables: ExportTable[], rows: Array<BackupRow & { line: number }> }

const invalid = (line: number, message: string) => new DomainError('invalid', `line ${line}: ${message}`, { line })
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

interface ColumnInfo { name: string, notnull: number, dflt_value: unknown, pk: number, type: string }

export const backupArea: SqliteArea = {
  name: 'backup',
  migrations: [],
  writeOps: {
    'backup.restore' (db, { tables, rows }: RestoreArgs) {
      const q = sql(db)
      const inserted: Record<string, number> = {}
      const skipped: Record<string, number> = {}
      const specs = new Map(tables.map((t) => [t.table, t]))
      const columns = new Map<string, Map<string, ColumnInfo>>()
      for (const t of tables) {
        const info = db.prepare(`PRAGMA table_info(${quote(t.table)})`).all() as ColumnInfo[]
        columns.set(t.table, new Map(info.map((c) => [c.name, c])))
        inserted[t.table] = 0
        skipped[t.table] = 0
      }
      for (const { line, table, row } of rows) {
        const spec = specs.get(table)
        const cols = columns.get(table)
        if (!spec || !cols) throw invalid(line, `unknown table ${table}`)
        for (const [name, value] of Object.entries(row)) {
          if (!cols.has(name)) throw invalid(line, `${table} has no column ${name}`)
          if (value !== null && typeof value === 'object') throw invalid(line, `${table}.${name} must be a string, a number or null`)
        }
        for (const c of cols.values()) {
          if (c.notnull && c.dflt_value === null && !c.pk && (row[c.name] === undefined || row[c.name] === null)) throw invalid(line, `${table}.${c.name} is required`)
        }
        const keys = Array.isArray(spec.key) ? spec.key : [spec.key]
        const keyValues = keys.map((k) => row[k])
        const missing = keys.find((k) => row[k] === undefined || row[k] === null)
        if (missing) throw invalid(line, `${table}.${missing} is required`)
        const existing = q(`SELECT * FROM ${quote(table)} WHERE ${keys.map((k) => `${quote(k)} = ?`).join(' AND ')}`).get(...keyValues) as Record<string, unknown> | undefined
        const keyText = keyValues.map(String).join('/')
        if (existing) {
          if (spec.immutable && Object.keys(existing).some((c) => (existing[c] ?? null) !== (row[c] ?? null))) {
            throw invalid(line, `${table} already holds a different row with ${keys.join('/')} ${keyText}`)
          }
          skipped[table]++
          continue
        }
        // A merge: a row of a hub-numbered table (events) takes the next seq of this hub, and a row that
        // another unique key already holds (the same source + producer id) is a duplicate, skipped.
        const renumber = !spec.immutable && spec.order === 'seq' && !keys.includes('seq')
        const names = Object.keys(row).filter((n) => !(renumber && n === 'seq'))
        const conflictClause = spec.immutable ? '' : ' ON CONFLICT DO NOTHING'
        let changes: number
        try {
          changes = q(`INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})${conflictClause}`)
            .run(...names.map((n) => typeof row[n] === 'boolean' ? Number(row[n]) : row[n])).changes
        } catch (err) {
          if (spec.immutable && /UNIQUE/.test((err as Error).message)) {
            throw invalid(line, `${table} already holds a different row at ${spec.order} ${String(row[spec.order])}: ` +
              'a trail restores only into a hub whose trail is empty or the start of the same trail (restore into a fresh data dir first)')
          }
          throw invalid(line, `${table}: ${(err as Error).message}`)
        }
        if (changes === 0) { skipped[table]++; continue }
        for (const statement of spec.afterInsert ?? []) q(statement).run()
        inserted[table]++
      }
      return { inserted, skipped }
    },
  },
}

export function sqliteBackupStore (file: string, writer: Writer, tables: ExportTable[]): BackupStore {
  return {
    tables: () => tables.map((t) => t.table),
    async * snapshot () {
      const db = new Database(file, { readonly: true, fileMustExist: true })
      try {
        db.pragma('busy_timeout = 5000')
        db.exec('BEGIN')
        // the first read fixes the snapshot; every table below is read from that same point in time
        for (const t of tables) {
          for (const row of db.prepare(`SELECT * FROM ${quote(t.table)} ORDER BY ${quote(t.order)}`).iterate()) {
            yield { table: t.table, row: row as Record<string, unknown> }
          }
        }
        db.exec('COMMIT')
      } finally {
        db.close()
      }
    },
    restore: (rows) => writer.submit('backup.restore', { tables, rows }, 1),
    auditRowOf,
  }
}

/** Reads a row of the audit tables as an entry or a checkpoint (null for other tables); throws when malformed. Both engines store the same rows. */
export function auditRowOf ({ table, row }: BackupRow): { entry: AuditEntry } | { checkpoint: Checkpoint } | null {
  if (table === 'audit_entries') {
    const r = row as unknown as AuditRow
    if (typeof r.metadata !== 'string' || typeof r.actor_type !== 'string') throw new Error('audit_entries rows need actor_type and metadata')
    return { entry: rowToEntry(r) }
  }
  if (table === 'audit_checkpoints') return { checkpoint: toCheckpoint(row as unknown as CheckpointRow) }
  return null
}
