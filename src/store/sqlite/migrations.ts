// Versioned schema migrations per area, applied in order at start by the writer thread, each in its
// own transaction. A released migration is never edited: add a new version.
import type Database from 'better-sqlite3'
import type { SqliteArea } from './area.js'

export function migrate (db: Database.Database, areas: SqliteArea[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    area TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (area, version))`)
  const done = new Set((db.prepare('SELECT area, version FROM schema_migrations').all() as Array<{ area: string, version: number }>)
    .map((r) => `${r.area}:${r.version}`))
  const record = db.prepare('INSERT INTO schema_migrations (area, version, name, applied_at) VALUES (?, ?, ?, ?)')
  const applied: string[] = []
  for (const area of areas) {
    for (const m of [...area.migrations].sort((a, b) => a.version - b.version)) {
      const key = `${area.name}:${m.version}`
      if (done.has(key)) continue
      db.transaction(() => {
        db.exec(m.up)
        record.run(area.name, m.version, m.name, Date.now())
      })()
      applied.push(key)
    }
  }
  return applied
}
