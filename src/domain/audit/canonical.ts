// The canonical text of an audit entry, built from its stored columns by a template instead of a
// generic RFC 8785 canonicaliser: the hashed fields are fixed, so their canonical key order is too,
// and every field but metadata is a string, null or the integer seq, whose canonical form is
// JSON.stringify's. Metadata is stored as its own canonical text (a column derived at append), so a
// stored entry's canonical bytes are the template over its columns, with no parse and no object.
//
// Why this finds every tamper the generic path finds: each templated field is a self-delimiting JSON
// literal between fixed separators, so the template's output determines every field, metadata's
// text included; a text whose SHA-256 equals the stored hash is thus the appended entry's own
// canonical text, field for field. When the template cannot be used (a column of another type, a
// string JSON cannot carry) or its hash does not match (a tampered row, or a row appended before
// metadata was stored canonically, whose key order may differ) the verifier falls back to the
// generic path for that entry, so its verdict is the generic path's. See docs/audit.md.
import { hash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { ActorType, AuditEntry, Outcome } from './entry.js'

/**
 * One stored entry as its columns, in this order: what verification reads, one array per entry.
 * Typed as stored by the hub; a tampered database may hold anything, which the template checks.
 */
export type AuditColumns = [
  seq: number, id: string, time: string, timeMs: number,
  actorType: string, actorId: string, actorName: string | null, onBehalfOf: string | null,
  action: string, targetType: string | null, targetId: string | null, outcome: string, reason: string | null,
  /** canonical JSON text (JSON text of another key order in entries appended before it was canonical) */
  metadata: string,
  model: string | null, tool: string | null, argumentsHash: string | null,
  clientIp: string | null, requestId: string | null, submittedBy: string, prevHash: string, hash: string
]

/**
 * A stored entry's canonical text as the store builds it from the columns (the same template in its
 * query language, canonical.ts's rules), with what the walk checks beside the hash: null text when a
 * column is not of its kind. The verifier trusts it only when its SHA-256 is the stored hash.
 */
export type StoredText = [seq: number, text: string | null, time: string, timeMs: number, prevHash: string, hash: string]

/** The columns' names in the AuditColumns order, for stores that read them by name. */
export const AUDIT_COLUMNS = ['seq', 'id', 'time', 'time_ms', 'actor_type', 'actor_id', 'actor_name', 'on_behalf_of', 'action',
  'target_type', 'target_id', 'outcome', 'reason', 'metadata', 'model', 'tool', 'arguments_hash', 'client_ip', 'request_id',
  'submitted_by', 'prev_hash', 'hash'] as const

export const sha256Hex = (text: string): string => hash('sha256', text, 'hex')

// String.prototype.isWellFormed is in Node 20's V8; the compiler's lib (es2022) does not name it yet
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed (): boolean }).isWellFormed()

/** A string's or null's canonical JSON; undefined for anything else or a string with a lone surrogate. */
function lit (v: unknown): string | undefined {
  if (v === null) return 'null'
  if (typeof v !== 'string' || !wellFormed(v)) return undefined
  return JSON.stringify(v)
}

/** the canonical text of an object's metadata, memoised per object (an append hashes it, then stores it) */
const metadataTexts = new WeakMap<object, string>()
export function canonicalMetadata (metadata: Record<string, unknown>): string {
  let text = metadataTexts.get(metadata)
  if (text === undefined) {
    text = canonicalize(metadata)
    if (text === undefined) throw new Error('metadata cannot be encoded')
    metadataTexts.set(metadata, text)
  }
  return text
}

/**
 * The canonical text hashed for an entry (RFC 8785 over its hashed fields and prevHash, keys in code
 * unit order), from its columns and metadata's canonical text; undefined when a column is not of its
 * kind. A target is stored as two columns and is null unless both are set.
 */
export function canonicalFromColumns (c: AuditColumns): string | undefined {
  const seq = c[0]
  if (typeof seq !== 'number' || !Number.isFinite(seq) || typeof c[13] !== 'string') return undefined
  const action = lit(c[8]); const actorId = lit(c[5]); const actorName = lit(c[6]); const onBehalfOf = lit(c[7]); const actorType = lit(c[4])
  const argumentsHash = lit(c[16]); const clientIp = lit(c[17]); const id = lit(c[1]); const model = lit(c[14]); const outcome = lit(c[11])
  const prevHash = lit(c[20]); const reason = lit(c[12]); const requestId = lit(c[18]); const submittedBy = lit(c[19])
  const targetType = lit(c[9]); const targetId = lit(c[10]); const time = lit(c[2]); const tool = lit(c[15])
  if (action === undefined || actorId === undefined || actorName === undefined || onBehalfOf === undefined || actorType === undefined ||
    argumentsHash === undefined || clientIp === undefined || id === undefined || model === undefined || outcome === undefined ||
    prevHash === undefined || reason === undefined || requestId === undefined || submittedBy === undefined || targetType === undefined ||
    targetId === undefined || time === undefined || tool === undefined) return undefined
  const target = c[9] !== null && c[10] !== null ? `{"id":${targetId},"type":${targetType}}` : 'null'
  return `{"action":${action},"actor":{"id":${actorId},"name":${actorName},"onBehalfOf":${onBehalfOf},"type":${actorType}},` +
    `"argumentsHash":${argumentsHash},"clientIp":${clientIp},"id":${id},"metadata":${c[13]},"model":${model},"outcome":${outcome},` +
    `"prevHash":${prevHash},"reason":${reason},"requestId":${requestId},"seq":${JSON.stringify(seq)},"submittedBy":${submittedBy},` +
    `"target":${target},"time":${time},"tool":${tool}}`
}

/** An entry's columns as the store keeps them: metadata as its canonical text, time also as epoch ms. */
export function toColumns (e: Omit<AuditEntry, 'hash'>, entryHash: string): AuditColumns {
  return [e.seq, e.id, e.time, Date.parse(e.time), e.actor.type, e.actor.id, e.actor.name ?? null, e.actor.onBehalfOf ?? null, e.action,
    e.target?.type ?? null, e.target?.id ?? null, e.outcome, e.reason ?? null, canonicalMetadata(e.metadata ?? {}), e.model ?? null,
    e.tool ?? null, e.argumentsHash ?? null, e.clientIp ?? null, e.requestId ?? null, e.submittedBy, e.prevHash, entryHash]
}

/**
 * A stored entry read back from its columns. The epoch-ms copy of time that time queries filter on is
 * not hashed: one that no longer says what the hashed time says is handed on as timeMs, for the
 * verifier to report (a sound row reads back as appended). Throws when metadata is not JSON.
 */
export function fromColumns (c: AuditColumns): AuditEntry {
  return {
    seq: c[0],
    id: c[1],
    time: c[2],
    actor: { type: c[4] as ActorType, id: c[5], name: c[6], onBehalfOf: c[7] },
    action: c[8],
    target: c[9] !== null && c[10] !== null ? { type: c[9], id: c[10] } : null,
    outcome: c[11] as Outcome,
    reason: c[12],
    metadata: JSON.parse(c[13]),
    model: c[14],
    tool: c[15],
    argumentsHash: c[16],
    clientIp: c[17],
    requestId: c[18],
    submittedBy: c[19],
    prevHash: c[20],
    hash: c[21],
    ...(c[3] !== Date.parse(c[2]) ? { timeMs: c[3] } : {}),
  }
}
