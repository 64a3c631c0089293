// The writing connection: opens the file (WAL, chosen durability), applies migrations, and runs a
// batch of write operations in one transaction. Used on the main thread or on a writer thread.
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'
import { areas } from './areas.js'
import { DomainError, type ErrorKind } from '../../domain/shared/errors.js'
import type { WriteOp } from './area.js'

export interface OpRequest { op: string, args: unknown }
/** An op's failure as it crosses the thread boundary; a DomainError keeps its kind and details. */
export interface OpError { name: string, message: string, code?: string, kind?: ErrorKind, details?: Record<string, unknown> }
export type OpResult = { ok: true, value: unknown } | { ok: false, error: OpError }
/**
 * How the writer makes commits durable. `synchronous` is the connection's pragma as SQLite reports
 * it (1 NORMAL, 2 FULL); `walSync` is 'commit' when SQLite syncs the WAL inside each commit (FULL),
 * 'after-commit' when the writer syncs the WAL file itself after each commit, off the event loop,
 * before acknowledging (the same on-disk guarantee as FULL), 'none' when commits are not synced.
 */
export interface WriterSettings { journalMode: string, synchronous: number, walSync: 'commit' | 'after-commit' | 'none' }
export interface WriterOptions {
  file: string
  durability: 'full' | 'normal'
  /** full durability only: sync the WAL after each commit outside SQLite (the caller does it) */
  syncAfterCommit?: boolean
}

export function serialiseError (err: unknown): OpError {
  if (err instanceof DomainError) return { name: err.name, message: err.message, kind: err.kind, details: err.details }
  const e = err as { name?: string, message?: string, code?: string }
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), code: e?.code }
}

export interface WriterCore {
  settings: WriterSettings
  applied: string[]
  /** the WAL file, which the caller syncs when settings.walSync is 'after-commit' */
  walFile: string
  runBatch (ops: OpRequest[]): OpResult[]
  close (): void
}

export function openWriter ({ file, durability, syncAfterCommit = false }: WriterOptions): WriterCore {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // In WAL mode FULL is NORMAL plus a sync of the WAL after each commit; with syncAfterCommit the
  // caller does that sync itself, asynchronously, and acknowledges only once it has completed.
  const walSync = durability === 'normal' ? 'none' : syncAfterCommit ? 'after-commit' : 'commit'
  db.pragma(`synchronous = ${walSync === 'commit' ? 'FULL' : 'NORMAL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  const applied = migrate(db, areas)
  const writeOps: Record<string, WriteOp> = Object.assign({ ping: () => true }, ...areas.map((a) => a.writeOps))
  const opFn = (op: string): WriteOp => {
    const fn = writeOps[op]
    if (!fn) throw new Error(`unknown write op ${op}`)
    return fn
  }

  // Consecutive ops of a concatenable kind (list in, list out, one result per item) run as one call:
  // a batch of single-event appends becomes one multi-row statement instead of one per request.
  const concatenable = new Set(areas.flatMap((a) => a.concatenableOps ?? []))
  const runOps = (ops: OpRequest[]): OpResult[] => {
    const results: OpResult[] = new Array(ops.length)
    for (let i = 0; i < ops.length;) {
      const { op } = ops[i]
      let end = i + 1
      if (concatenable.has(op)) while (end < ops.length && ops[end].op === op) end++
      if (end - i === 1) { results[i] = { ok: true, value: opFn(op)(db, ops[i].args) }; i = end; continue }
      const lists = ops.slice(i, end).map((o) => o.args as unknown[])
      const values = opFn(op)(db, lists.flat()) as unknown[]
      for (let k = i, at = 0; k < end; at += lists[k - i].length, k++) results[k] = { ok: true, value: values.slice(at, at + lists[k - i].length) }
      i = end
    }
    return results
  }
  // The common case: every op succeeds, and the batch runs as one plain transaction.
  const allOrNothing = db.transaction(runOps)
  // After a failure the batch is rolled back and run again with each op in its own savepoint, so a
  // failing op rolls back alone (ops are functions of the database and their arguments: re-running
  // one after a rollback does the same). Savepoints prepared once: a nested db.transaction() per op
  // would build a wrapper on every write.
  const savepoint = db.prepare('SAVEPOINT op')
  const release = db.prepare('RELEASE op')
  const rollbackTo = db.prepare('ROLLBACK TO op')
  const opByOp = db.transaction((ops: OpRequest[]): OpResult[] => ops.map(({ op, args }): OpResult => {
    savepoint.run()
    try {
      const value = opFn(op)(db, args)
      release.run()
      return { ok: true, value }
    } catch (err) {
      rollbackTo.run()
      release.run()
      return { ok: false, error: serialiseError(err) }
    }
  }))

  return {
    settings: { journalMode: db.pragma('journal_mode', { simple: true }) as string, synchronous: db.pragma('synchronous', { simple: true }) as number, walSync },
    applied,
    walFile: `${file}-wal`,
    runBatch (ops) {
      try {
        return allOrNothing(ops)
      } catch {
        try {
          return opByOp(ops)
        } catch (err) {
          // the commit itself failed (disk full, I/O error): nothing of the batch is stored
          const error = serialiseError(err)
          return ops.map(() => ({ ok: false as const, error }))
        }
      }
    },
    close () {
      try { db.pragma('wal_checkpoint(TRUNCATE)') } catch { /* a reader may hold the WAL; close still checkpoints what it can */ }
      db.close()
    },
  }
}
