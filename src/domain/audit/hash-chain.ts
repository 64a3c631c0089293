// The audit trail's proof of integrity, shared by the server and the offline CLI. Pure: no Fastify,
// no store. Each entry's hash is SHA-256 over the RFC 8785 canonical JSON of the entry with its
// prevHash; checkpoints sign { seq, hash, time, keyId } with Ed25519. The walk that checks a chain
// is in chain-verifier.ts.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import canonicalize from 'canonicalize'
import { canonicalFromColumns, sha256Hex, toColumns } from './canonical.js'

export { ACTOR_TYPES, OUTCOMES, type ActorType, type Outcome, type AuditActor, type AuditTarget, type AuditEntry, type AuditDraft, type Checkpoint } from './entry.js'
import type { AuditEntry, AuditDraft, Checkpoint } from './entry.js'

/** The hash of "no previous entry": the first entry links to it. */
export const GENESIS_HASH = '0'.repeat(64)

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** Exactly the fields that are hashed, in a fresh object: extra fields of a bundle line never leak in. */
function hashedFields (e: Omit<AuditEntry, 'hash'>) {
  return {
    seq: e.seq,
    id: e.id,
    time: e.time,
    actor: { type: e.actor.type, id: e.actor.id, name: e.actor.name ?? null, onBehalfOf: e.actor.onBehalfOf ?? null },
    action: e.action,
    target: e.target ? { type: e.target.type, id: e.target.id } : null,
    outcome: e.outcome,
    reason: e.reason ?? null,
    metadata: e.metadata ?? {},
    model: e.model ?? null,
    tool: e.tool ?? null,
    argumentsHash: e.argumentsHash ?? null,
    clientIp: e.clientIp ?? null,
    requestId: e.requestId ?? null,
    submittedBy: e.submittedBy,
    prevHash: e.prevHash,
  }
}

export function entryHash (e: Omit<AuditEntry, 'hash'>): string {
  const text = canonicalize(hashedFields(e))
  if (text === undefined) throw new Error(`entry ${e.seq} cannot be encoded`)
  return sha256(text)
}

/**
 * An entry's hash the fast way: the canonical text by template over its columns (canonical.ts), the
 * same text as entryHash's generic canonicaliser for every entry the template takes; entryHash otherwise.
 */
export function templateHash (e: Omit<AuditEntry, 'hash'>): string {
  let text: string | undefined
  try {
    text = canonicalFromColumns(toColumns(e, ''))
  } catch {
    text = undefined // metadata the canonicaliser refuses: entryHash says so as it always did
  }
  return text === undefined ? entryHash(e) : sha256Hex(text)
}

/** Places drafts after `prev` in the chain: seq, prevHash and hash. */
export function chainEntries (prev: { seq: number, hash: string } | undefined, drafts: AuditDraft[]): AuditEntry[] {
  let seq = prev?.seq ?? 0
  let prevHash = prev?.hash ?? GENESIS_HASH
  return drafts.map((d) => {
    // the fields one by one (in the order a spread of the draft gave): two spreads an entry cost more than its hash
    const entry: AuditEntry = {
      id: d.id,
      time: d.time,
      actor: d.actor,
      action: d.action,
      target: d.target,
      outcome: d.outcome,
      reason: d.reason,
      metadata: d.metadata,
      model: d.model,
      tool: d.tool,
      argumentsHash: d.argumentsHash,
      clientIp: d.clientIp,
      requestId: d.requestId,
      submittedBy: d.submittedBy,
      seq: ++seq,
      prevHash,
      hash: '',
    }
    entry.hash = templateHash(entry)
    prevHash = entry.hash
    return entry
  })
}

/** Short id of a public key: the first 16 hex digits of SHA-256 over its SPKI DER. */
export function keyIdOf (publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)
}

const checkpointMessage = (c: Omit<Checkpoint, 'signature'>) =>
  Buffer.from(canonicalize({ seq: c.seq, hash: c.hash, time: c.time, keyId: c.keyId })!)

export function signCheckpoint (point: { seq: number, hash: string, time: string }, privateKey: KeyObject, keyId: string): Checkpoint {
  const unsigned = { ...point, keyId }
  return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString('base64') }
}

export function checkpointSignatureValid (c: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'))
  } catch {
    return false
  }
}

export function publicKeyFromPem (pem: string): KeyObject {
  const key = createPublicKey(pem)
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`public key is ${key.asymmetricKeyType}, not ed25519`)
  return key
}
