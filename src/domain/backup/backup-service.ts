// Backup and restore: an NDJSON snapshot of every exportable table (data and API definitions, channel
// secrets sealed with the admin's key or left out), and an import that validates every line as the API
// would, checks that the audit trail it carries may join this hub's, and restores all of it in one
// write op or nothing. A bundle never makes this hub trust a key.
import type { KeyObject } from 'node:crypto'
import type { BackupRow } from '../../store/ports/backup.js'
import type { Store } from '../../store/ports/store.js'
import { ChainVerifier, type VerifyResult } from '../audit/chain-verifier.js'
import { conflict, invalid } from '../shared/errors.js'
import { ROW_CHECKS } from './row-checks.js'
import { exportDefinitionRow, importDefinitionRow } from './definitions.js'
import { newSecretBox, openSecretBox, type SealingHeader, type SecretBox } from './secret-box.js'

export const BACKUP_FORMAT = 'mcp-server-backup'
export const BACKUP_VERSION = 2
const SUPPORTED_VERSIONS = [1, 2]

export interface BackupHeader {
  format: typeof BACKUP_FORMAT
  version: typeof BACKUP_VERSION
  exportedAt: string
  tables: string[]
  /** public keys of the trail's checkpoints: for information only, an import never trusts them */
  publicKeys: Array<{ keyId: string, pem: string }>
  /** channel secrets were left out (no key given at export): the channels come back disabled */
  secretsOmitted: boolean
  /** how channel secrets are sealed, when a key was given */
  encryption?: SealingHeader
}

export interface ImportOptions {
  /** the keys this hub trusts for checkpoints */
  trusted: Map<string, KeyObject>
  /** X-Backup-Key: opens sealed channel secrets */
  passphrase?: string
  /** 'skip' imports everything but the audit trail */
  audit?: 'import' | 'skip'
  /** extra checks of a table's rows the domain cannot make alone (API services need the probe guard) */
  checks?: Record<string, (row: Record<string, unknown>) => void>
}

export interface ImportOutcome {
  inserted: Record<string, number>
  skipped: Record<string, number>
  /** the verification of the trail the backup carries; null with ?audit=skip */
  audit: VerifyResult | null
  /** checkpoint keys of an imported trail this hub does not trust (yet): POST /audit/trusted-keys */
  untrustedKeys: string[]
  /** channels restored without their secrets (disabled): give them with PUT /channels/{id} */
  channelsNeedingSecrets: string[]
  /** definition rows stored by this import, for the catalogues to take up */
  definitions: BackupRow[]
}

const ROWS_PER_CHUNK = 500
const AUDIT_TABLES = new Set(['audit_entries', 'audit_checkpoints'])

/** The export as NDJSON chunks: the header, then one line per row, table by table. */
export async function * exportLines (store: Store, publicKeys: BackupHeader['publicKeys'], passphrase?: string): AsyncGenerator<string> {
  const box = passphrase !== undefined ? await newSecretBox(passphrase) : null
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    exportedAt: new Date().toISOString(),
    tables: store.backup.tables(),
    publicKeys,
    secretsOmitted: box === null,
    ...(box ? { encryption: box.header } : {}),
  }
  yield JSON.stringify(header) + '\n'
  let chunk: string[] = []
  for await (const r of store.backup.snapshot()) {
    chunk.push(JSON.stringify(r.table === 'notifier_definitions' ? { table: r.table, ...exportDefinitionRow(r.row, box) } : r))
    if (chunk.length >= ROWS_PER_CHUNK) { yield chunk.join('\n') + '\n'; chunk = [] }
  }
  if (chunk.length > 0) yield chunk.join('\n') + '\n'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

interface Line { line: number, table: string, row: Record<string, unknown>, secrets?: unknown }

/**
 * Validates a backup and restores it. A bad line is refused with its number and nothing is stored;
 * an audit chain that does not verify, or may not join this hub's trail, is refused likewise.
 */
export async function importBackup (store: Store, text: string, opts: ImportOptions): Promise<ImportOutcome> {
  const lines = text.split('\n')
  const known = new Set(store.backup.tables())
  let header: Record<string, unknown> | null = null
  let box: SecretBox | null = null
  const rows: Line[] = []

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
      if (!SUPPORTED_VERSIONS.includes(item.version as number)) throw invalid(`line ${line}: backup version ${String(item.version)} is not supported (${SUPPORTED_VERSIONS.join(', ')} are)`, { line })
      if (item.encryption !== undefined && opts.passphrase !== undefined) box = await openSecretBox(opts.passphrase, item.encryption, line)
      header = item
      continue
    }
    if (!isObject(item) || typeof item.table !== 'string' || !isObject(item.row)) {
      throw invalid(`line ${line}: each line must be {"table": …, "row": {…}}`, { line })
    }
    if (!known.has(item.table)) throw invalid(`line ${line}: unknown table ${item.table}`, { line })
    rows.push({ line, table: item.table, row: item.row, secrets: item.secrets })
  }
  if (!header) throw invalid('line 1: the body is empty; a backup starts with its header', { line: 1 })
  if (header.encryption !== undefined && opts.passphrase === undefined && rows.some((r) => r.secrets !== undefined)) {
    throw invalid("this backup's channel secrets are encrypted: give the export's key in X-Backup-Key (or re-export without one)")
  }

  // Every row as the API would store it.
  const secretsOmitted = header.secretsOmitted === true
  const channelsNeedingSecrets: string[] = []
  for (const r of rows) {
    const check = ROW_CHECKS[r.table]
    try {
      if (!check) throw new Error(`${r.table} rows cannot be imported`)
      check(r.row, r.table)
      opts.checks?.[r.table]?.(r.row)
    } catch (err) {
      const message = (err as Error).message
      throw invalid(message.startsWith('line ') ? message : `line ${r.line}: ${message}`, { line: r.line })
    }
    if (r.table === 'notifier_definitions') {
      const d = importDefinitionRow(r.row, r.secrets, box, secretsOmitted, r.line)
      r.row = d.row
      if (d.needsSecrets) channelsNeedingSecrets.push(String(r.row.id))
    }
  }

  const skipAudit = opts.audit === 'skip'
  const restorable = skipAudit ? rows.filter((r) => !AUDIT_TABLES.has(r.table)) : rows
  const trail = skipAudit ? null : await checkTrail(store, rows, opts.trusted)

  // a refused row fails the whole restore with an invalid DomainError naming its line
  const { inserted, skipped } = await store.backup.restore(restorable.map(({ line, table, row }) => ({ line, table, row })))
  const definitions = restorable.filter((r) => r.table === 'notifier_definitions' || r.table === 'health_services').map(({ table, row }) => ({ table, row }))
  return { inserted, skipped, audit: trail?.audit ?? null, untrustedKeys: trail?.untrustedKeys ?? [], channelsNeedingSecrets, definitions }
}

/**
 * The trail of a backup joins this hub's only if it verifies on its own and either this hub's trail
 * is empty, or the backup's chain continues it (the same entries from seq 1, then new ones) with every
 * checkpoint signed by a key this hub already trusts.
 */
async function checkTrail (store: Store, rows: Line[], trusted: Map<string, KeyObject>): Promise<{ audit: VerifyResult, untrustedKeys: string[] }> {
  const tail = await store.audit.tail()
  const hubEmpty = !tail || tail.seq === 0
  const verifier = new ChainVerifier(trusted)
  const untrusted = new Set<string>()
  const entries = rows.filter((r) => r.table === 'audit_entries')
  if (!hubEmpty && entries.length > 0) {
    // the chain (verified below) links every entry to the one before: equal hashes at one seq mean equal trails up to it
    const lastSeq = entries.reduce((top, r) => Math.max(top, Number(r.row.seq)), 0)
    const at = Math.min(tail.seq, lastSeq)
    const hubHash = at === tail.seq ? tail.hash : (await store.audit.range(at, at, 1))[0]?.hash
    if (hubHash === undefined || hubHash !== entries.find((r) => r.row.seq === at)?.row.hash) {
      throw conflict(`the audit trail in this backup does not continue this hub's trail (they differ at seq ${at}): ` +
        'a trail imports only into an empty trail or one it continues; import with ?audit=skip to restore the rest without it')
    }
  }
  for (const r of rows.filter((x) => x.table === 'audit_checkpoints')) {
    const c = auditRow(store, r)
    if (!c || !('checkpoint' in c)) continue
    if (!trusted.has(c.checkpoint.keyId)) {
      if (!hubEmpty) {
        throw invalid(`line ${r.line}: the checkpoint at seq ${c.checkpoint.seq} is signed by key ${c.checkpoint.keyId}, which this hub does not trust; ` +
          'a trail joins a non-empty one only under trusted checkpoints: trust the key with POST /audit/trusted-keys, or import with ?audit=skip', { line: r.line })
      }
      // an empty trail takes the whole history; its checkpoints verify once an admin trusts their key
      untrusted.add(c.checkpoint.keyId)
      continue
    }
    verifier.addCheckpoint(c.checkpoint)
  }
  // checkpoints reach here only when signed by a trusted key (the others are refused above in this case)
  const signedUpTo = rows.reduce((top, x) => x.table === 'audit_checkpoints' ? Math.max(top, Number(x.row.seq)) : top, 0)
  for (const r of entries) {
    const e = auditRow(store, r)
    if (!e || !('entry' in e)) continue
    if (!verifier.add(e.entry)) break
  }
  const audit = verifier.finish()
  if (!audit.ok) {
    throw invalid(`the audit trail in this backup does not verify: first broken entry seq ${audit.firstBrokenSeq}: ${audit.reason}`, { firstBrokenSeq: audit.firstBrokenSeq })
  }
  if (!hubEmpty && entries.length > 0) {
    // what it adds must be vouched for by a trusted signature, not only chained: anyone can chain
    if (audit.lastSeq > tail.seq && signedUpTo < audit.lastSeq) {
      throw invalid(`the audit entries ${Math.max(tail.seq, signedUpTo) + 1}..${audit.lastSeq} of this backup are under no checkpoint signed by a key this hub trusts: ` +
        'a trail continues this hub\'s only with signed entries (import with ?audit=skip to restore the rest without it)', { firstBrokenSeq: Math.max(tail.seq, signedUpTo) + 1 })
    }
  }
  return { audit, untrustedKeys: [...untrusted] }
}

function auditRow (store: Store, r: Line): ReturnType<Store['backup']['auditRowOf']> {
  try {
    return store.backup.auditRowOf({ table: r.table, row: r.row })
  } catch (err) {
    throw invalid(`line ${r.line}: ${(err as Error).message}`, { line: r.line })
  }
}
