// The chain's verifier, shared by the server (GET /audit/verify, backup imports) and the offline CLI:
// walks entries in seq order against their hashes, links and signed checkpoints, and reads offline
// bundles (GET /audit/export) line by line. Pure: no Fastify, no store.
import type { KeyObject } from 'node:crypto'
import { canonicalFromColumns, fromColumns, sha256Hex, type AuditColumns, type StoredText } from './canonical.js'
import { checkpointSignatureValid, entryHash, GENESIS_HASH, keyIdOf, publicKeyFromPem, type AuditEntry, type Checkpoint } from './hash-chain.js'

export interface VerifyResult {
  ok: boolean
  /** entries examined (the walk stops at the first broken one) */
  checked: number
  firstBrokenSeq: number | null
  reason: string | null
  /** checkpoints whose signature and hash were confirmed */
  checkpointsVerified: number
  lastSeq: number
}

interface Break { seq: number, reason: string }

/**
 * Walks a chain in seq order, entry by entry (memory stays flat), after all checkpoints are added.
 * Pinpoints: a modified entry (its hash), a deleted one (a seq gap), an inserted or reordered one
 * (a broken link), a consistent rewrite (a signed checkpoint that no longer matches), a truncated
 * tail (a checkpoint past the last entry) and a forged checkpoint (its signature).
 */
export class ChainVerifier {
  private readonly checkpoints = new Map<number, Checkpoint>()
  private signatureBreak: Break | null = null
  private walkBreak: Break | null = null
  private expectedSeq = 1
  private prevHash = GENESIS_HASH
  private prev2Hash: string | null = null
  private lastGoodCheckpoint = 0
  private verifiedCheckpoints = 0
  private checked = 0
  private started = false

  constructor (private readonly keys: Map<string, KeyObject>) {}

  addCheckpoint (c: Checkpoint): void {
    if (this.started) throw new Error('checkpoints must be added before the first entry')
    const key = this.keys.get(c.keyId)
    let problem: string | null = null
    if (this.checkpoints.has(c.seq)) problem = `checkpoint at seq ${c.seq} appears twice`
    else if (!key) problem = `checkpoint at seq ${c.seq} is signed by an unknown key ${c.keyId}`
    else if (!checkpointSignatureValid(c, key)) problem = `checkpoint at seq ${c.seq} has an invalid signature (forged or altered)`
    if (problem) {
      if (!this.signatureBreak || c.seq < this.signatureBreak.seq) this.signatureBreak = { seq: c.seq, reason: problem }
      return
    }
    this.checkpoints.set(c.seq, c)
  }

  /** Checks the next entry; false once the chain is broken (further entries are not examined). */
  add (e: AuditEntry): boolean {
    if (this.walkBreak) return false
    let computed: string | null
    try {
      computed = entryHash(e)
    } catch {
      computed = null
    }
    return this.step(e.seq, e.prevHash, e.hash, computed, e.time, e.timeMs)
  }

  /**
   * The same check over a stored entry's columns, the fast way: its canonical text by template
   * (canonical.ts), hashed once. When the template does not give the stored hash, the entry is
   * checked the generic way, as add does, so the verdict is always add's.
   */
  addColumns (c: AuditColumns): boolean {
    const text = canonicalFromColumns(c)
    if (text !== undefined && sha256Hex(text) === c[21]) {
      return this.step(c[0], c[20], c[21], c[21], c[2], c[3] !== Date.parse(c[2]) ? c[3] : undefined)
    }
    let e: AuditEntry
    try {
      e = fromColumns(c)
    } catch {
      // metadata that is not JSON at all
      return this.step(c[0], c[20], c[21], null, c[2], undefined)
    }
    return this.add(e)
  }

  /**
   * The fastest check: the entry's canonical text as the store built it from the columns. Its hash
   * either matches the stored one, and the entry is checked as add would check it, or the answer is
   * undefined: the caller then checks the entry's columns with addColumns, which decides as add does.
   */
  addText (r: StoredText): boolean | undefined {
    if (r[1] === null || sha256Hex(r[1]) !== r[5]) return undefined
    return this.step(r[0], r[4], r[5], r[5], r[2], r[3] !== Date.parse(r[2]) ? r[3] : undefined)
  }

  private step (seq: number, prevHash: string, hash: string, computed: string | null, time: string, timeMs: number | undefined): boolean {
    this.started = true
    if (this.walkBreak) return false
    this.checked++
    const broken = this.check(seq, prevHash, hash, computed, time, timeMs)
    if (broken) { this.walkBreak = broken; return false }
    this.prev2Hash = this.prevHash
    this.prevHash = hash
    this.expectedSeq = seq + 1
    return true
  }

  /** `computed`: the hash of the entry's content, null when it cannot be encoded */
  private check (seq: number, prevHash: string, hash: string, computed: string | null, time: string, timeMs: number | undefined): Break | null {
    const expected = this.expectedSeq
    if (seq > expected) {
      return { seq: expected, reason: seq - expected === 1 ? `entry ${expected} is missing (deleted)` : `entries ${expected}..${seq - 1} are missing (deleted)` }
    }
    if (seq !== expected) return { seq, reason: `entry ${seq} is out of order: expected seq ${expected}` }
    if (computed === null) return { seq, reason: `entry ${seq} cannot be encoded` }
    if (prevHash !== this.prevHash) {
      if (this.prev2Hash !== null && prevHash === this.prev2Hash) {
        return { seq: seq - 1, reason: `entry ${seq - 1} was inserted: entry ${seq} links to entry ${seq - 2}` }
      }
      if (computed === hash && seq > 1) {
        return { seq: seq - 1, reason: `entry ${seq - 1} was altered and re-hashed: entry ${seq} links to a different hash` }
      }
      return { seq, reason: `entry ${seq} does not link to entry ${seq - 1} (moved, replaced or reordered)` }
    }
    if (computed !== hash) return { seq, reason: `entry ${seq} was modified: its content does not match its hash` }
    // time queries read the stored epoch-ms copy: it must still say what the hashed time says
    if (timeMs !== undefined && timeMs !== Date.parse(time)) {
      return { seq, reason: `entry ${seq} was modified: its stored time_ms ${String(timeMs)} is not its hashed time ${time}` }
    }
    const cp = this.checkpoints.get(seq)
    if (cp) {
      if (cp.hash !== hash) {
        const from = this.lastGoodCheckpoint + 1
        return { seq: from, reason: `entries ${from}..${seq} were rewritten: entry ${seq} does not match the checkpoint signed at that seq` }
      }
      this.lastGoodCheckpoint = seq
      this.verifiedCheckpoints++
    }
    return null
  }

  finish (): VerifyResult {
    const lastSeq = this.expectedSeq - 1
    let broken = this.walkBreak
    if (!broken) {
      const beyond = [...this.checkpoints.keys()].filter((s) => s > lastSeq)
      if (beyond.length > 0) {
        const top = Math.max(...beyond)
        broken = { seq: lastSeq + 1, reason: `the trail ends at seq ${lastSeq} but a checkpoint was signed at seq ${top}: entries ${lastSeq + 1}..${top} were removed (truncated tail)` }
      }
    }
    if (this.signatureBreak && (!broken || this.signatureBreak.seq <= broken.seq)) broken = this.signatureBreak
    return {
      ok: broken === null,
      checked: this.checked,
      firstBrokenSeq: broken?.seq ?? null,
      reason: broken?.reason ?? null,
      checkpointsVerified: this.verifiedCheckpoints,
      lastSeq,
    }
  }
}

// The offline bundle (GET /audit/export): NDJSON, a header with the public keys, then checkpoints,
// then entries in seq order.
export const BUNDLE_FORMAT = 'mcp-audit-bundle'

export interface BundleHeader { type: 'header', format: typeof BUNDLE_FORMAT, version: 1, exportedAt: string, publicKeys: Array<{ keyId: string, pem: string }> }

export class BundleError extends Error {
  override name = 'BundleError'
  constructor (readonly line: number, message: string) { super(`line ${line}: ${message}`) }
}

/**
 * Verifies a bundle read line by line. Trust comes from the bundle's public keys unless `trusted`
 * keys are given (a verifier who holds the hub's public key should pass it).
 */
export async function verifyBundle (lines: AsyncIterable<string> | Iterable<string>, trusted?: Map<string, KeyObject>): Promise<VerifyResult> {
  let verifier: ChainVerifier | null = null
  let lineNo = 0
  let seenEntry = false
  for await (const raw of lines) {
    lineNo++
    if (raw.trim() === '') continue
    let item: Record<string, unknown>
    try {
      item = JSON.parse(raw)
    } catch {
      throw new BundleError(lineNo, 'is not JSON')
    }
    if (!verifier) {
      if (item?.type !== 'header' || item.format !== BUNDLE_FORMAT) throw new BundleError(lineNo, `the first line must be the ${BUNDLE_FORMAT} header`)
      const keys = new Map<string, KeyObject>(trusted ?? [])
      if (!trusted) {
        for (const k of (item.publicKeys as BundleHeader['publicKeys'] | undefined) ?? []) {
          try {
            const key = publicKeyFromPem(k.pem)
            keys.set(keyIdOf(key), key)
          } catch (err) {
            throw new BundleError(lineNo, `bad public key: ${(err as Error).message}`)
          }
        }
      }
      verifier = new ChainVerifier(keys)
      continue
    }
    if (item?.type === 'checkpoint') {
      if (seenEntry) throw new BundleError(lineNo, 'checkpoints must precede entries')
      if (typeof item.seq !== 'number' || typeof item.hash !== 'string' || typeof item.signature !== 'string' || typeof item.keyId !== 'string' || typeof item.time !== 'string') {
        throw new BundleError(lineNo, 'a checkpoint needs seq, hash, time, keyId and signature')
      }
      verifier.addCheckpoint(item as unknown as Checkpoint)
    } else if (item?.type === 'entry') {
      seenEntry = true
      if (typeof item.seq !== 'number' || typeof item.hash !== 'string' || typeof item.prevHash !== 'string' || typeof item.actor !== 'object' || item.actor === null) {
        throw new BundleError(lineNo, 'an entry needs seq, actor, prevHash and hash')
      }
      if (!verifier.add(item as unknown as AuditEntry)) break
    } else {
      throw new BundleError(lineNo, 'type must be checkpoint or entry')
    }
  }
  if (!verifier) throw new BundleError(lineNo, 'the bundle is empty')
  return verifier.finish()
}
