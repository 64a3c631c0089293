// Test helpers: build the app on a fresh temp data dir with a known admin password, closed on teardown.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'

export const ADMIN_USER = 'admin'
export const ADMIN_PASSWORD = 'test-password-123'
export const adminAuth = 'Basic ' + Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')
export const adminHeaders = { authorization: adminAuth }

interface Teardown { teardown (fn: () => unknown): void }

export function tempDir (t: Teardown, prefix = 'mcp-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function testConfig (dataDir: string, overrides: Partial<Config> = {}): Config {
  return loadConfig({ env: {}, overrides: { dataDir, adminUser: ADMIN_USER, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', ...overrides } })
}

/** Builds a ready app on `dataDir` (a fresh temp dir when omitted); closes it on teardown. */
export async function build (t: Teardown, overrides: Partial<Config> = {}, dataDir?: string) {
  const dir = dataDir ?? tempDir(t)
  const config = testConfig(dir, overrides)
  const app = await buildApp(config)
  t.teardown(() => app.close())
  await app.ready()
  return { app, config, dataDir: dir }
}

/** Changes a hub's SQLite file as an attacker with database access would: the append-only triggers dropped, `fn` run in one transaction. */
export function tamperAuditFile (dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'mcp.sqlite'))
  db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete; DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete')
  db.transaction(() => fn(db))()
  db.close()
}

/** The value of one Prometheus series in an exposition, `series` written whole as in the text (`name{labels}`); undefined when absent. */
export function promSample (text: string, series: string): number | undefined {
  const m = new RegExp(`^${series.replace(/[{}()[\]+.*?^$|\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : undefined
}
