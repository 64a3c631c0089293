// `mcp-server migrate --to postgres://…`: moves a SQLite hub's data into PostgreSQL through the
// backup port, the one path that already carries every table (events, the audit trail with its
// checkpoints, context, services, notifier definitions, agent tokens): the SQLite snapshot (one read
// transaction) is restored into PostgreSQL in chunks, each all or nothing. Events take new seqs in
// the same order; the audit trail keeps its seqs and hashes, and is walked again once moved.
// A target that holds data is refused unless `force`: then rows whose key exists are skipped (a second
// run after a failed one resumes), and a different audit trail is still refused.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createSqliteStore } from './sqlite/sqlite-store.js'
import { createPostgresStore, type PostgresStore } from './postgres/postgres-store.js'
import { quoteIdent } from './postgres/migrations.js'
import type { BackupRow } from './ports/backup.js'
import { ChainVerifier } from '../domain/audit/chain-verifier.js'
import { DomainError } from '../domain/shared/errors.js'

export interface MigrateOptions {
  /** the SQLite hub's data dir (MCP_DATA_DIR) */
  dataDir: string
  url: string
  schema?: string
  /** merge into a target that already holds data */
  force?: boolean
  /** rows per restore transaction */
  chunkRows?: number
  /** progress lines */
  log?: (line: string) => void
}

export interface MigrateReport {
  /** per table: rows read from SQLite, inserted into PostgreSQL, skipped (key already there) */
  tables: Record<string, { read: number, inserted: number, skipped: number }>
  audit: { entries: number, lastSeq: number, verified: boolean }
}

/** The backup tables of `store` that hold at least one row. */
async function nonEmptyTables (store: PostgresStore): Promise<string[]> {
  const full: string[] = []
  for (const table of store.backup.tables()) {
    const [{ any }] = await store.sql.unsafe(`SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table)}) AS any`)
    if (any) full.push(table)
  }
  return full
}

export async function migrateToPostgres (opts: MigrateOptions): Promise<MigrateReport> {
  const log = opts.log ?? (() => {})
  const file = join(opts.dataDir, 'mcp.sqlite')
  if (!existsSync(file)) throw new DomainError('invalid', `no SQLite hub in ${opts.dataDir} (${file} does not exist)`)
  const source = await createSqliteStore({ dataDir: opts.dataDir })
  let target: PostgresStore | undefined
  try {
    target = await createPostgresStore({ url: opts.url, schema: opts.schema })
    const full = await nonEmptyTables(target)
    if (full.length > 0 && !opts.force) {
      throw new DomainError('conflict', `the target already holds data (${full.join(', ')}): migrate into an empty database or schema, or pass --force to merge`)
    }
    const tables: MigrateReport['tables'] = Object.fromEntries(source.backup.tables().map((t) => [t, { read: 0, inserted: 0, skipped: 0 }]))
    const chunkRows = opts.chunkRows ?? 5000
    let chunk: Array<BackupRow & { line: number }> = []
    let line = 0
    const flush = async () => {
      if (chunk.length === 0) return
      const out = await target!.backup.restore(chunk)
      for (const [t, n] of Object.entries(out.inserted)) tables[t].inserted += n
      for (const [t, n] of Object.entries(out.skipped)) tables[t].skipped += n
      log(`restored ${line} rows`)
      chunk = []
    }
    for await (const row of source.backup.snapshot()) {
      chunk.push({ ...row, line: ++line })
      tables[row.table].read++
      if (chunk.length >= chunkRows) await flush()
    }
    await flush()

    // the moved trail walks clean, and ends where the SQLite one ends
    const verifier = new ChainVerifier(new Map())
    let entries = 0
    for (let from = 1; ;) {
      const page = await target.audit.range(from, Number.MAX_SAFE_INTEGER, 5000)
      for (const e of page) verifier.add(e)
      entries += page.length
      if (page.length < 5000) break
      from = page[page.length - 1].seq + 1
    }
    const result = verifier.finish()
    const [sourceTail, targetTail] = [await source.audit.tail(), await target.audit.tail()]
    const verified = result.ok && sourceTail?.hash === targetTail?.hash
    if (!verified) throw new Error(`the audit trail does not verify after the move: ${result.reason ?? `it ends at seq ${targetTail?.seq ?? 0}, the SQLite trail at ${sourceTail?.seq ?? 0}`}`)
    return { tables, audit: { entries, lastSeq: targetTail?.seq ?? 0, verified } }
  } finally {
    await target?.close()
    await source.close()
  }
}
