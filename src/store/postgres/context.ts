// The context registry area of the PostgreSQL engine: models, agents and tasks, one table each, as in
// the SQLite engine (indexed fields as columns, the rest a JSON document in TEXT). A change is a
// compare-and-set done by one conditional UPDATE: PostgreSQL locks the row and, when another
// transaction changed it meanwhile, checks the condition again against the new row, so of two
// instances replacing the same read exactly one succeeds.
import type { PgArea } from './area.js'
import type { ContextStore } from '../ports/context.js'
// the row mappers are the SQLite engine's: the same tables, the same columns
import { toItem, toRow, type ItemRow } from '../sqlite/context.js'
import type { ContextKind } from '../../domain/shared/names.js'
import { conflict, invalid } from '../../domain/shared/errors.js'
import { keyedQueue } from './keyed-queue.js'

// fixed names: a kind never reaches SQL as text from a request
const TABLE: Record<ContextKind, string> = { models: 'context_models', agents: 'context_agents', tasks: 'context_tasks' }

const table = (name: string) => `
  CREATE TABLE ${name} (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
  );
  CREATE INDEX ${name}_name ON ${name} (name, updated_at);
  CREATE INDEX ${name}_status ON ${name} (status, id);`

export const contextArea: PgArea<ContextStore> = {
  name: 'context',
  migrations: [{
    version: 1,
    name: 'models, agents and tasks',
    up: table(TABLE.models) + table(TABLE.agents) + table(TABLE.tasks),
  }],
  open ({ guarded, sql }) {
    // replaces of one item from this instance go one after the other, in the order asked (the row lock
    // alone would let two in-flight ones race for it); other instances are serialised by the row lock
    const serial = keyedQueue()
    return {
      list: (kind, f) => guarded(async () => {
        const where = [
          f.status !== undefined ? sql`status = ${f.status}` : null,
          f.name !== undefined ? sql`name = ${f.name}` : null,
          f.afterId !== undefined ? sql`id > ${f.afterId}` : null,
        ].filter((w) => w !== null)
        const rows = await sql<ItemRow[]>`SELECT * FROM ${sql(TABLE[kind])}
          ${where.length ? sql`WHERE ${where.reduce((a, w) => sql`${a} AND ${w}`)}` : sql``} ORDER BY id LIMIT ${f.limit}`
        return rows.map(toItem)
      }),
      get: (kind, id) => guarded(async () => {
        const [row] = await sql<ItemRow[]>`SELECT * FROM ${sql(TABLE[kind])} WHERE id = ${id}`
        return row ? toItem(row) : undefined
      }),
      create: (kind, item) => guarded(async () => {
        const r = toRow(item)
        const res = await sql`INSERT INTO ${sql(TABLE[kind])} (id, name, status, doc, created_at, updated_at)
          VALUES (${r.id}, ${r.name}, ${r.status}, ${r.doc}, ${r.created_at}, ${r.updated_at}) ON CONFLICT DO NOTHING`
        if (res.count === 0) throw conflict(`${kind.slice(0, -1)} ${item.id} already exists`)
        return item
      }),
      replace: (kind, before, after) => {
        if (after.id !== before.id) return Promise.reject(invalid(`a replace keeps the id: ${before.id} cannot become ${after.id}`))
        return serial(`${kind}\u0000${before.id}`, () => guarded(async () => {
          const b = toRow(before)
          const a = toRow(after)
          // the document compares as JSON (jsonb equality), as the SQLite engine compares it re-serialised; the
          // parameter is text cast to jsonb (a jsonb-typed parameter would be JSON-encoded again by the driver)
          const res = await sql`UPDATE ${sql(TABLE[kind])} SET name = ${a.name}, status = ${a.status}, doc = ${a.doc}, created_at = ${a.created_at}, updated_at = ${a.updated_at}
            WHERE id = ${b.id} AND name = ${b.name} AND status = ${b.status} AND created_at = ${b.created_at} AND updated_at = ${b.updated_at}
              AND doc::jsonb = ${b.doc}::text::jsonb`
          return res.count === 1
        }))
      },
      delete: (kind, id) => guarded(async () => {
        const [row] = await sql<ItemRow[]>`DELETE FROM ${sql(TABLE[kind])} WHERE id = ${id} RETURNING *`
        return row ? toItem(row) : undefined
      }),
      latestTask: (name) => guarded(async () => {
        const [row] = await sql<ItemRow[]>`SELECT * FROM ${sql(TABLE.tasks)} WHERE name = ${name} ORDER BY updated_at DESC, id DESC LIMIT 1`
        return row ? toItem(row) : undefined
      }),
    }
  },
}
