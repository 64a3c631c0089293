// The audit area of the storage port: an append-only hash chain and its signed checkpoints.
import type { AuditDraft, AuditEntry, Checkpoint } from '../../domain/audit/hash-chain.js'

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

export interface AuditStore {
  /** Chains and stores the drafts in one write op on the writer thread; answers the stored entries. */
  append (drafts: AuditDraft[]): Promise<AuditEntry[]>
  /** newest first */
  query (filter: AuditFilter): Promise<AuditEntry[]>
  get (id: string): Promise<AuditEntry | undefined>
  /** entries with fromSeq <= seq <= toSeq in seq order, at most `limit` */
  range (fromSeq: number, toSeq: number, limit: number): Promise<AuditEntry[]>
  tail (): Promise<{ seq: number, hash: string } | undefined>
  count (): Promise<number>
  addCheckpoint (c: Checkpoint): Promise<void>
  /** checkpoints with seq <= upToSeq, in seq order */
  checkpoints (upToSeq: number): Promise<Checkpoint[]>
  lastCheckpoint (): Promise<Checkpoint | undefined>
}
