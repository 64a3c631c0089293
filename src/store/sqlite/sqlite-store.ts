// The SQLite engine of the storage port: one file in the data dir, WAL. Writes go through the writer
// thread (group commit); reads run on a read-only connection of the main thread, which WAL lets
// proceed while a commit is under way.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../port.js'
import { GroupCommitWriter } from './group-commit.js'
import { sqliteEventStore } from './events.js'
import { sqliteNotifierStore } from './notifier.js'

export interface SqliteStoreOptions {
  dataDir: string
  durability?: 'full' | 'normal'
  /** bound on queued rows before writes are refused with StoreOverloadedError */
  writeQueueMax?: number
  fileName?: string
}

export type SqliteStore = Store & { readonly file: string }

export async function createSqliteStore (opts: SqliteStoreOptions): Promise<SqliteStore> {
  mkdirSync(opts.dataDir, { recursive: true })
  const file = join(opts.dataDir, opts.fileName ?? 'mcp.sqlite')
  const writer = await GroupCommitWriter.start({ file, durability: opts.durability ?? 'full' }, opts.writeQueueMax ?? 100_000)
  const reader = new Database(file, { readonly: true, fileMustExist: true })
  reader.pragma('busy_timeout = 5000')
  const ping = reader.prepare('SELECT 1')

  return {
    engine: 'sqlite',
    file,
    events: sqliteEventStore(reader, writer),
    notifier: sqliteNotifierStore(reader, writer),
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
