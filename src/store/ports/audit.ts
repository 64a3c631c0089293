// The audit area of the storage port: an append-only hash chain and its signed checkpoints. The domain
// makes the chain (hash-chain.ts); the store keeps it, appending only what continues its tail.
import type { AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'
import type { AuditColumns, StoredText } from '../../domain/audit/canonical.js'

export interface AuditFilter {
  actorId?: string
  actorType?: string
  onBehalfOf?: string
  /** entries whose action starts with this */
  actionPrefix?: string
  targetType?: string
  targetId?: string
  outcome?: string
  since?: number
  until?: number
  beforeSeq?: number
  limit: number
}

/** Where a trail ends: its last entry's seq and hash. */
export interface AuditLink { seq: number, hash: string }

/** What the first entry of a trail continues: seq 0 and the genesis hash (hash-chain.ts's GENESIS_HASH). */
export const EMPTY_TRAIL: AuditLink = Object.freeze({ seq: 0, hash: '0'.repeat(64) })

export interface AuditStore {
  /**
   * Compare-and-append, in one write: stores entries already chained by the domain only if the first
   * continues the stored tail (seq = tail.seq + 1, prevHash = tail.hash; EMPTY_TRAIL when nothing is
   * stored), checked inside the write's transaction. Otherwise fails with a conflict DomainError and
   * stores nothing. Entries that do not continue each other (seq + 1, prevHash = the previous hash)
   * fail with an invalid one. The store computes no hash. Writes run in the order they are called, so
   * a caller may append entries chained from ones still being written.
   */
  append (entries: AuditEntry[]): Promise<void>
  /** newest first */
  query (filter: AuditFilter): Promise<AuditEntry[]>
  get (id: string): Promise<AuditEntry | undefined>
  /** entries with fromSeq <= seq <= toSeq in seq order, at most `limit` */
  range (fromSeq: number, toSeq: number, limit: number): Promise<AuditEntry[]>
  /**
   * The same entries as range, each as its columns (canonical.ts's AuditColumns, metadata as stored):
   * what verification reads, without an object per entry.
   */
  columns? (fromSeq: number, toSeq: number, limit: number): Promise<AuditColumns[]>
  /**
   * The same entries as range, each as its canonical text built from its columns by canonical.ts's
   * template (text null where a column is not of its kind), with seq, time, time_ms, prevHash and hash:
   * what verification hashes, built where the rows are. Both optional: without them the audit
   * service verifies entry by entry from range (the generic walk), with the same verdict, slower.
   */
  canonicalTexts? (fromSeq: number, toSeq: number, limit: number): Promise<StoredText[]>
  /** the last stored entry's link; undefined when the trail is empty */
  tail (): Promise<AuditLink | undefined>
  count (): Promise<number>
  /** stores a checkpoint of a stored entry (same seq and hash, else it fails); one already stored at its seq is kept */
  addCheckpoint (c: Checkpoint): Promise<void>
  /** checkpoints with seq <= upToSeq, in seq order */
  checkpoints (upToSeq: number): Promise<Checkpoint[]>
  lastCheckpoint (): Promise<Checkpoint | undefined>
}
