// The writing connection: opens the file (WAL, chosen durability), applies migrations, and runs a
// batch of write operations in one transaction (one fsync), each op in its own savepoint so one
// failing op does not sink the others. Used on the main thread or on a writer thread.
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'
import { areas } from './areas.js'
import type { WriteOp } from './area.js'

export interface OpRequest { op: string, args: unknown }
export interface OpError { name: string, message: string, code?: string }
export type OpResult = { ok: true, value: unknown } | { ok: false, error: OpError }
/** The writer connection's pragmas as SQLite reports them (synchronous: 1 NORMAL, 2 FULL). */
export interface WriterSettings { journalMode: string, synchronous: number }
export interface WriterOptions { file: string, durability: 'full' | 'normal' }

export function serialiseError (err: unknown): OpError {
  const e = err as { name?: string, message?: string, code?: string }
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), code: e?.code }
}

export interface WriterCore {
  settings: WriterSettings
  applied: string[]
  runBatch (ops: OpRequest[]): OpResult[]
  close (): void
}

export function openWriter ({ file, durability }: WriterOptions): WriterCore {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  const applied = migrate(db, areas)
  const writeOps: Record<string, WriteOp> = Object.assign({ ping: () => true }, ...areas.map((a) => a.writeOps))

  // each op in its own savepoint, so a failing op rolls back alone (prepared once: a nested
  // db.transaction() per op would build a wrapper on every write)
  const savepoint = db.prepare('SAVEPOINT op')
  const release = db.prepare('RELEASE op')
  const rollbackTo = db.prepare('ROLLBACK TO op')
  const inTransaction = db.transaction((ops: OpRequest[]): OpResult[] => ops.map(({ op, args }): OpResult => {
    const fn = writeOps[op]
    if (!fn) return { ok: false, error: { name: 'Error', message: `unknown write op ${op}` } }
    savepoint.run()
    try {
      const value = fn(db, args)
      release.run()
      return { ok: true, value }
    } catch (err) {
      rollbackTo.run()
      release.run()
      return { ok: false, error: serialiseError(err) }
    }
  }))

  return {
    settings: { journalMode: db.pragma('journal_mode', { simple: true }) as string, synchronous: db.pragma('synchronous', { simple: true }) as number },
    applied,
    runBatch (ops) {
      try {
        return inTransaction(ops)
      } catch (err) {
        // the commit itself failed (disk full, I/O error): nothing of the batch is stored
        const error = serialiseError(err)
        return ops.map(() => ({ ok: false as const, error }))
      }
    },
    close () {
      try { db.pragma('wal_checkpoint(TRUNCATE)') } catch { /* a reader may hold the WAL; close still checkpoints what it can */ }
      db.close()
    },
  }
}
