// The admin password's file in the data dir: read when MCP_ADMIN_PASSWORD is not set, generated (mode
// 0600) on the first start without one.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Reads the admin password from config, or from the data dir, generating it on first start. */
export function resolveAdminPassword (configured: string | undefined, dataDir: string): { password: string, file?: string, generated: boolean } {
  if (configured) return { password: configured, generated: false }
  const file = resolve(join(dataDir, 'admin-password'))
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), file, generated: false }
  mkdirSync(dataDir, { recursive: true })
  const password = randomBytes(18).toString('base64url')
  writeFileSync(file, password + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return { password, file, generated: true }
}
