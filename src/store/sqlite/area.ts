// One storage area (events, checks, audit, …) of the SQLite engine: its migrations and the write
// operations the writer thread runs for it. Its reads live beside them, on the main thread.
import type Database from 'better-sqlite3'

export interface Migration { version: number, name: string, up: string }

/** Runs on the writer thread inside the group-commit transaction, in its own savepoint. */
export type WriteOp = (db: Database.Database, args: any) => unknown

/** A table a backup holds (GET /export, POST /import). */
export interface ExportTable {
  table: string
  /** the column(s) that identify a row; an import skips rows whose key already exists */
  key: string | string[]
  /** the column rows are exported and restored in */
  order: string
  /** an existing key must hold the very same row (the audit trail), else the import is refused */
  immutable?: boolean
  /** statements an import runs after each row it inserts into this table (bookkeeping of the area) */
  afterInsert?: string[]
}

export interface SqliteArea {
  name: string
  migrations: Migration[]
  /** tables of this area included in backups, in restore order */
  exportTables?: ExportTable[]
  /** keyed by op name, which must start with `${name}.` */
  writeOps: Record<string, WriteOp>
  /**
   * Ops that take a list and answer one result per item, in order, whatever the list: the writer may
   * run consecutive calls as one call on the lists joined (and after a failure runs them apart again).
   */
  concatenableOps?: string[]
}

/** What an area's store submits its write ops to (the group-commit writer). */
export interface Writer {
  /** queues one op; `weight` counts against the queue bound (rows, usually) */
  submit<T> (op: string, args: unknown, weight?: number): Promise<T>
  /** runs a `{ before, limit }` delete op until it deletes fewer than `chunk` rows; answers the total */
  deleteInChunks (op: string, before: number, chunk?: number): Promise<number>
}

/** Prepares each statement once per connection. */
export function statementCache (db: Database.Database): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>()
  return (sql) => {
    let st = cache.get(sql)
    if (!st) { st = db.prepare(sql); cache.set(sql, st) }
    return st
  }
}

const perConnection = new WeakMap<Database.Database, (sql: string) => Database.Statement>()
/** The statement cache of a connection, created on first use (for write ops, which get only the db). */
export function sql (db: Database.Database): (sql: string) => Database.Statement {
  let c = perConnection.get(db)
  if (!c) { c = statementCache(db); perConnection.set(db, c) }
  return c
}
