// Versioned schema migrations per area, applied at start in one transaction under a transaction-level
// advisory lock: N instances starting at once queue on the lock, the first migrates, the others find
// every version recorded and apply nothing. A released migration is never edited: add a new version.
import type { Sql } from 'postgres'
import type { PgArea } from './area.js'

/** the advisory lock key of the migrations (one per schema: hashtext of the schema's name) */
export const MIGRATION_LOCK = 'mcp-server:migrate:'

export async function migrate (sql: Sql, schema: string, areas: PgArea[]): Promise<string[]> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${MIGRATION_LOCK + schema}))`
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
    await tx.unsafe(`SET LOCAL search_path TO ${quoteIdent(schema)}`)
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      area TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL,
      PRIMARY KEY (area, version))`
    const rows = await tx<Array<{ area: string, version: number }>>`SELECT area, version FROM schema_migrations`
    const done = new Set(rows.map((r) => `${r.area}:${r.version}`))
    const applied: string[] = []
    for (const area of areas) {
      for (const m of [...area.migrations].sort((a, b) => a.version - b.version)) {
        const key = `${area.name}:${m.version}`
        if (done.has(key)) continue
        await tx.unsafe(m.up)
        await tx`INSERT INTO schema_migrations (area, version, name, applied_at) VALUES (${area.name}, ${m.version}, ${m.name}, ${Date.now()})`
        applied.push(key)
      }
    }
    return applied
  })
}

/** A schema or table name as an SQL identifier (double quotes doubled). */
export function quoteIdent (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
