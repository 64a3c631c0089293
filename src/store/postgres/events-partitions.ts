// The events table of the PostgreSQL engine is partitioned by day of receive time (RANGE on
// received_at, in ms): retention drops whole partitions instead of deleting rows, and a query bounded
// in time reads only the days it names. Partitions are created on demand, the day written and the
// next one ahead, under an advisory lock so that instances creating the same day at once do not race.
import type { Sql, TransactionSql } from 'postgres'
import { quoteIdent } from './migrations.js'

const DAY = 86_400_000
const PARTITION = /^events_p(\d{8})$/

export const dayOf = (ms: number) => Math.floor(ms / DAY) * DAY
const nameOf = (day: number) => `events_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`
const dayOfName = (name: string) => {
  const m = PARTITION.exec(name)
  return m ? Date.UTC(Number(m[1].slice(0, 4)), Number(m[1].slice(4, 6)) - 1, Number(m[1].slice(6, 8))) : undefined
}

/** the advisory lock key of a schema's event writes and partition changes */
export const eventsLockKey = (schema: string) => `mcp-server:events:${schema}`

export function partitionManager (sql: Sql, schema: string) {
  /** days known to have a partition (created here, or found by another instance's create) */
  const known = new Set<number>()

  /** The partitions of the events table, by day. */
  async function list (tx: TransactionSql): Promise<Array<{ day: number, name: string }>> {
    const rows = await tx<Array<{ name: string }>>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = ${`${quoteIdent(schema)}.events`}::regclass`
    return rows.flatMap((r) => { const day = dayOfName(r.name); return day === undefined ? [] : [{ day, name: r.name }] })
  }

  return {
    list,
    /** Makes sure every day of `times` (ms) has its partition, and the day after the newest one. */
    async ensure (times: Iterable<number>): Promise<void> {
      const days = new Set<number>()
      for (const at of times) { const d = dayOf(at); if (!known.has(d)) days.add(d) }
      if (days.size === 0) return
      const newest = Math.max(...days)
      if (!known.has(newest + DAY)) days.add(newest + DAY)
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${eventsLockKey(schema) + ':partitions'}))`
        const existing = new Set((await list(tx)).map((p) => p.day))
        for (const day of days) {
          if (!existing.has(day)) {
            await tx.unsafe(`CREATE TABLE ${quoteIdent(schema)}.${nameOf(day)} PARTITION OF ${quoteIdent(schema)}.events FOR VALUES FROM (${day}) TO (${day + DAY})`)
          }
        }
      })
      for (const day of days) known.add(day)
    },
    /** Forgets dropped days, so that a late event of a dropped day creates its partition again. */
    forget (day: number) { known.delete(day) },
    nameOf,
  }
}

export type PartitionManager = ReturnType<typeof partitionManager>
