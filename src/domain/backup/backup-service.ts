// Backup and restore: an NDJSON snapshot of every exportable table, and an import that validates every
// line, verifies the audit chain it carries, and restores all of it in one write op or nothing.
import type { KeyObject } from 'node:crypto'
import type { BackupRow } from '../../store/ports/backup.js'
import type { Store } from '../../store/ports/store.js'
import { keyIdOf, publicKeyFromPem } from '../audit/hash-chain.js'
import { ChainVerifier, type VerifyResult } from '../audit/chain-verifier.js'
import { invalid } from '../shared/errors.js'

export const BACKUP_FORMAT = 'mcp-server-backup'

export interface BackupHeader {
  format: typeof BACKUP_FORMAT
  version: 1
  exportedAt: string
  tables: string[]
  /** public keys of the trail's checkpoints, so the trail verifies wherever it is restored */
  publicKeys: Array<{ keyId: string, pem: string }>
}

export interface ImportOutcome {
  inserted: Record<string, number>
  skipped: Record<string, number>
  audit: VerifyResult
  /** keys of the imported trail not trusted before (the caller adds them) */
  newKeys: Array<{ keyId: string, pem: string }>
}

const ROWS_PER_CHUNK = 500

/** The export as NDJSON chunks: the header, then one line per row, table by table. */
export async function * exportLines (store: Store, publicKeys: BackupHeader['publicKeys']): AsyncGenerator<string> {
  const header: BackupHeader = { format: BACKUP_FORMAT, version: 1, exportedAt: new Date().toISOString(), tables: store.backup.tables(), publicKeys }
  yield JSON.stringify(header) + '\n'
  let chunk: string[] = []
  for await (const r of store.backup.snapshot()) {
    chunk.push(JSON.stringify(r))
    if (chunk.length >= ROWS_PER_CHUNK) { yield chunk.join('\n') + '\n'; chunk = [] }
  }
  if (chunk.length > 0) yield chunk.join('\n') + '\n'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Validates a backup and restores it. A bad line is refused with its number and nothing is stored;
 * an audit chain that does not verify is refused with its first broken entry.
 */
export async function importBackup (store: Store, text: string, trusted: Map<string, KeyObject>): Promise<ImportOutcome> {
  const lines = text.split('\n')
  const known = new Set(store.backup.tables())
  let header: BackupHeader | null = null
  const rows: Array<BackupRow & { line: number }> = []
  const keys = new Map(trusted)
  const newKeys: ImportOutcome['newKeys'] = []
  const entries: Array<{ line: number, row: BackupRow }> = []
  const checkpoints: Array<{ line: number, row: BackupRow }> = []

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    const raw = lines[i]
    if (raw.trim() === '') continue
    let item: unknown
    try {
      item = JSON.parse(raw)
    } catch {
      throw invalid(`line ${line}: not valid JSON`, { line })
    }
    if (!header) {
      if (!isObject(item) || item.format !== BACKUP_FORMAT) throw invalid(`line ${line}: the first line must be the ${BACKUP_FORMAT} header`, { line })
      if (item.version !== 1) throw invalid(`line ${line}: backup version ${String(item.version)} is not supported (1 is)`, { line })
      const pks = Array.isArray(item.publicKeys) ? item.publicKeys : []
      for (const k of pks) {
        try {
          const key = publicKeyFromPem(String((k as { pem?: unknown }).pem))
          const keyId = keyIdOf(key)
          if (!keys.has(keyId)) { keys.set(keyId, key); newKeys.push({ keyId, pem: key.export({ type: 'spki', format: 'pem' }) as string }) }
        } catch (err) {
          throw invalid(`line ${line}: publicKeys holds a bad key: ${(err as Error).message}`, { line })
        }
      }
      header = item as unknown as BackupHeader
      continue
    }
    if (!isObject(item) || typeof item.table !== 'string' || !isObject(item.row)) {
      throw invalid(`line ${line}: each line must be {"table": …, "row": {…}}`, { line })
    }
    if (!known.has(item.table)) throw invalid(`line ${line}: unknown table ${item.table}`, { line })
    const row: BackupRow = { table: item.table, row: item.row }
    if (row.table === 'audit_entries') entries.push({ line, row })
    else if (row.table === 'audit_checkpoints') checkpoints.push({ line, row })
    rows.push({ ...row, line })
  }
  if (!header) throw invalid('line 1: the body is empty; a backup starts with its header', { line: 1 })

  // The trail it carries must verify on its own before any of it is stored.
  const verifier = new ChainVerifier(keys)
  for (const { line, row } of checkpoints) {
    let c
    try { c = store.backup.auditRowOf(row) } catch (err) { throw invalid(`line ${line}: ${(err as Error).message}`, { line }) }
    if (c && 'checkpoint' in c) verifier.addCheckpoint(c.checkpoint)
  }
  for (const { line, row } of entries) {
    let e
    try { e = store.backup.auditRowOf(row) } catch (err) { throw invalid(`line ${line}: ${(err as Error).message}`, { line }) }
    if (e && 'entry' in e && !verifier.add(e.entry)) break
  }
  const audit = verifier.finish()
  if (!audit.ok) {
    throw invalid(`the audit trail in this backup does not verify: first broken entry seq ${audit.firstBrokenSeq}: ${audit.reason}`, { firstBrokenSeq: audit.firstBrokenSeq })
  }

  // a refused row fails the whole restore with an invalid DomainError naming its line
  const { inserted, skipped } = await store.backup.restore(rows)
  return { inserted, skipped, audit, newKeys }
}
