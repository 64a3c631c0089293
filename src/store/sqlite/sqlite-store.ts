// The SQLite engine of the storage port: one file in the data dir, WAL. Writes go through the group-
// commit writer; reads run on a read-only connection of the main thread, which WAL lets proceed while
// a commit is under way.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../ports/store.js'
import { GroupCommitWriter, type SyncWal, type WriterMode, type WriterSettings } from './group-commit.js'
import { sqliteEventStore } from './events-query.js'
import { sqliteStreamLogStore } from './stream-log.js'
import { sqliteHealthStore } from './health.js'
import { sqliteAuditStore } from './audit.js'
import { sqliteContextStore } from './context.js'
import { sqliteBackupStore } from './backup.js'
import { exportTables } from './areas.js'
import { sqliteNotifierStore } from './notifier.js'
import { sqliteAgentTokenStore } from './agent-tokens.js'

export interface SqliteStoreOptions {
  dataDir: string
  durability?: 'full' | 'normal'
  /** bound on queued rows before writes are refused with StoreOverloadedError */
  writeQueueMax?: number
  /** where commits run: on the main thread ('inline', default) or a writer thread */
  writerMode?: WriterMode
  /** inline writer, full durability: how the WAL is synced after a commit (fdatasync; tests hold it back) */
  syncWal?: SyncWal
  fileName?: string
}

export type SqliteStore = Store & { readonly file: string, readonly settings: WriterSettings }

export async function createSqliteStore (opts: SqliteStoreOptions): Promise<SqliteStore> {
  mkdirSync(opts.dataDir, { recursive: true })
  const file = join(opts.dataDir, opts.fileName ?? 'mcp.sqlite')
  const writer = await GroupCommitWriter.start({ file, durability: opts.durability ?? 'full', mode: opts.writerMode, syncWal: opts.syncWal }, opts.writeQueueMax ?? 100_000)
  const reader = new Database(file, { readonly: true, fileMustExist: true })
  reader.pragma('busy_timeout = 5000')
  const ping = reader.prepare('SELECT 1')

  return {
    engine: 'sqlite',
    file,
    settings: writer.settings,
    events: sqliteEventStore(reader, writer),
    health: sqliteHealthStore(reader, writer),
    streamLog: sqliteStreamLogStore(reader, writer),
    audit: sqliteAuditStore(reader, writer),
    context: sqliteContextStore(reader, writer),
    backup: sqliteBackupStore(file, writer, exportTables),
    notifier: sqliteNotifierStore(reader, writer),
    agentTokens: sqliteAgentTokenStore(reader, writer),
    async ping () {
      ping.get()
      await writer.submit('ping', null, 0)
    },
    async close () {
      await writer.close()
      reader.close()
    },
  }
}
