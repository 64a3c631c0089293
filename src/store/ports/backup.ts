// The backup area of the storage port: a consistent snapshot of every exportable table, and an all-or-nothing restore.
import type { AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'

/** One row of a backup: the table and its columns as stored. */
export interface BackupRow { table: string, row: Record<string, unknown> }

export interface BackupStore {
  /** the tables a backup holds, in restore order */
  tables (): string[]
  /** every row of every table, read in one read transaction (a consistent snapshot) */
  snapshot (): AsyncIterable<BackupRow>
  /**
   * Restores rows in one write op: all or nothing. Rows whose key exists are skipped (idempotent);
   * in an immutable table (the audit trail) an existing key must hold the very same row.
   * Fails with an invalid DomainError whose message starts "line N:" and whose details hold the line.
   */
  restore (rows: Array<BackupRow & { line: number }>): Promise<{ inserted: Record<string, number>, skipped: Record<string, number> }>
  /** reads a row of the audit tables as an entry or a checkpoint (null for other tables); throws when malformed */
  auditRowOf (row: BackupRow): { entry: AuditEntry } | { checkpoint: Checkpoint } | null
}
