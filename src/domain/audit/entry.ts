// What an audit entry is: its fields, actor types and outcomes. Apart from hash-chain.ts (which hashes
// entries) so that canonical.ts, which hash-chain.ts uses, can name them without an import loop.

export const ACTOR_TYPES = ['user', 'agent', 'service', 'system'] as const
export type ActorType = typeof ACTOR_TYPES[number]
/** `unknown`: the writer did not say (the original design's entries carry no outcome) */
export const OUTCOMES = ['success', 'failure', 'denied', 'unknown'] as const
export type Outcome = typeof OUTCOMES[number]

export interface AuditActor { type: ActorType, id: string, name: string | null, onBehalfOf: string | null }
export interface AuditTarget { type: string, id: string }

export interface AuditEntry {
  seq: number
  id: string
  time: string
  actor: AuditActor
  action: string
  target: AuditTarget | null
  outcome: Outcome
  reason: string | null
  metadata: Record<string, unknown>
  model: string | null
  tool: string | null
  argumentsHash: string | null
  clientIp: string | null
  requestId: string | null
  /** who authenticated the write, e.g. "user:admin" or "service:token-1a2b3c4d"; "system" for the hub */
  submittedBy: string
  prevHash: string
  hash: string
  /**
   * The stored epoch-ms copy of `time` that time queries filter on, present only when it no longer
   * equals the hashed `time`: not hashed itself, so the verifier reports the entry as modified.
   */
  timeMs?: number
}

/** An entry before the writer thread places it in the chain. */
export type AuditDraft = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash' | 'timeMs'>

export interface Checkpoint { seq: number, hash: string, time: string, keyId: string, signature: string }
