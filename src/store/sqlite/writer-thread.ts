// The writer thread: owns the only writing connection. It receives batches of operations, runs each
// batch in one transaction (one fsync for all of it), and answers per operation. The main thread keeps
// parsing requests and queueing the next batch while this one commits.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'
import { areas } from './areas.js'
import type { WriteOp } from './area.js'

export interface WriterData { file: string, durability: 'full' | 'normal' }
export interface OpRequest { op: string, args: unknown }
export type OpResult = { ok: true, value: unknown } | { ok: false, error: { name: string, message: string, code?: string } }

const { file, durability } = workerData as WriterData
const port = parentPort!

function serialiseError (err: unknown) {
  const e = err as { name?: string, message?: string, code?: string }
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), code: e?.code }
}

let db: Database.Database
try {
  db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  const applied = migrate(db, areas)
  port.postMessage({ type: 'ready', applied, settings: { journalMode: db.pragma('journal_mode', { simple: true }), synchronous: db.pragma('synchronous', { simple: true }) } })
} catch (err) {
  port.postMessage({ type: 'failed', error: serialiseError(err) })
  process.exit(1)
}

const writeOps: Record<string, WriteOp> = Object.assign({ ping: () => true }, ...areas.map((a) => a.writeOps))

const runBatch = db.transaction((ops: OpRequest[]): OpResult[] => {
  const results: OpResult[] = []
  for (const { op, args } of ops) {
    const fn = writeOps[op]
    if (!fn) { results.push({ ok: false, error: { name: 'Error', message: `unknown write op ${op}` } }); continue }
    try {
      // a nested transaction is a savepoint: a failing op rolls back alone
      results.push({ ok: true, value: db.transaction(() => fn(db, args))() })
    } catch (err) {
      results.push({ ok: false, error: serialiseError(err) })
    }
  }
  return results
})

port.on('message', (msg: { type: 'batch', id: number, ops: OpRequest[] } | { type: 'close' }) => {
  if (msg.type === 'close') {
    try { db.pragma('wal_checkpoint(TRUNCATE)') } catch { /* a reader may hold the WAL; closing still checkpoints what it can */ }
    db.close()
    port.postMessage({ type: 'closed' })
    return
  }
  let results: OpResult[]
  try {
    results = runBatch(msg.ops)
  } catch (err) {
    // the commit itself failed (disk full, I/O error): nothing of the batch is stored
    const error = serialiseError(err)
    results = msg.ops.map(() => ({ ok: false, error }))
  }
  port.postMessage({ type: 'done', id: msg.id, results })
})
