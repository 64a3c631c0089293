// The context registry area: models, agents and tasks, one table each. Indexed fields are columns;
// the rest of each item is a JSON document. A change is a compare-and-set: the domain applies its
// rules to the item it read, and the write replaces the item only if it is unchanged since.
import type Database from 'better-sqlite3'
import type { ContextItem, ContextStore } from '../ports/context.js'
import type { ContextKind } from '../../domain/shared/names.js'
import { conflict, invalid } from '../../domain/shared/errors.js'
import { sql, statementCache, type SqliteArea, type Writer } from './area.js'

// fixed names: a kind never reaches SQL as text from a request
const TABLE: Record<ContextKind, string> = { models: 'context_models', agents: 'context_agents', tasks: 'context_tasks' }

const table = (name: string) => `
  CREATE TABLE ${name} (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX ${name}_name ON ${name} (name, updated_at);
  CREATE INDEX ${name}_status ON ${name} (status, id);`

export interface ItemRow { id: string, name: string, status: string, doc: string, created_at: string, updated_at: string }

export const toItem = (r: ItemRow): ContextItem =>
  ({ ...JSON.parse(r.doc), id: r.id, name: r.name, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at })

export function toRow (item: ContextItem): ItemRow {
  const { id, name, status, createdAt, updatedAt, ...doc } = item
  return { id, name, status, doc: JSON.stringify(doc), created_at: createdAt, updated_at: updatedAt }
}

/** Two rows hold the same item (the stored one read as the domain reads it, so its JSON compares alike). */
const sameItem = (stored: ItemRow, read: ItemRow) => {
  const s = toRow(toItem(stored))
  return s.name === read.name && s.status === read.status && s.doc === read.doc && s.created_at === read.created_at && s.updated_at === read.updated_at
}

export const contextArea: SqliteArea = {
  name: 'context',
  migrations: [{
    version: 1,
    name: 'models, agents and tasks',
    up: table(TABLE.models) + table(TABLE.agents) + table(TABLE.tasks),
  }],
  exportTables: Object.values(TABLE).map((t) => ({ table: t, key: 'id', order: 'id' })),
  writeOps: {
    'context.create' (db, { kind, item }: { kind: ContextKind, item: ContextItem }): ContextItem {
      const r = toRow(item)
      const res = sql(db)(`INSERT INTO ${TABLE[kind]} (id, name, status, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
        .run(r.id, r.name, r.status, r.doc, r.created_at, r.updated_at)
      if (res.changes === 0) throw conflict(`${kind.slice(0, -1)} ${item.id} already exists`)
      return item
    },
    'context.replace' (db, { kind, before, after }: { kind: ContextKind, before: ContextItem, after: ContextItem }): boolean {
      if (after.id !== before.id) throw invalid(`a replace keeps the id: ${before.id} cannot become ${after.id}`)
      const q = sql(db)
      const row = q(`SELECT * FROM ${TABLE[kind]} WHERE id = ?`).get(before.id) as ItemRow | undefined
      if (!row || !sameItem(row, toRow(before))) return false
      const r = toRow(after)
      q(`UPDATE ${TABLE[kind]} SET name = ?, status = ?, doc = ?, created_at = ?, updated_at = ? WHERE id = ?`).run(r.name, r.status, r.doc, r.created_at, r.updated_at, r.id)
      return true
    },
    'context.delete' (db, { kind, id }: { kind: ContextKind, id: string }): ContextItem | null {
      const row = sql(db)(`DELETE FROM ${TABLE[kind]} WHERE id = ? RETURNING *`).get(id) as ItemRow | undefined
      return row ? toItem(row) : null
    },
  },
}

export function sqliteContextStore (reader: Database.Database, writer: Writer): ContextStore {
  const q = statementCache(reader)
  return {
    async list (kind, f) {
      const where: string[] = []
      const args: unknown[] = []
      if (f.status !== undefined) { where.push('status = ?'); args.push(f.status) }
      if (f.name !== undefined) { where.push('name = ?'); args.push(f.name) }
      if (f.afterId !== undefined) { where.push('id > ?'); args.push(f.afterId) }
      const text = `SELECT * FROM ${TABLE[kind]}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT ?`
      return (q(text).all(...args, f.limit) as ItemRow[]).map(toItem)
    },
    async get (kind, id) {
      const row = q(`SELECT * FROM ${TABLE[kind]} WHERE id = ?`).get(id) as ItemRow | undefined
      return row ? toItem(row) : undefined
    },
    create: (kind, item) => writer.submit<ContextItem>('context.create', { kind, item }, 1),
    replace: (kind, before, after) => writer.submit<boolean>('context.replace', { kind, before, after }, 1),
    async delete (kind, id) {
      return (await writer.submit<ContextItem | null>('context.delete', { kind, id }, 1)) ?? undefined
    },
    async latestTask (name) {
      const row = q(`SELECT * FROM ${TABLE.tasks} WHERE name = ? ORDER BY updated_at DESC, id DESC LIMIT 1`).get(name) as ItemRow | undefined
      return row ? toItem(row) : undefined
    },
  }
}
