// The audit trail's service: validates entries, chains and appends them (chain-appender.ts), signs
// checkpoints, verifies, queries and exports. No Fastify here.
import type { KeyObject } from 'node:crypto'
import { monotonicFactory } from 'ulidx'
import { pooledRandom } from '../shared/random.js'
import type { Bus } from '../shared/bus.js'
import type { AuditFilter } from '../../store/ports/audit.js'
import type { Store } from '../../store/ports/store.js'
import { AuditInput, type AuditInputT, type AuditQueryT } from '../../schemas/audit.js'
import { compileValidator } from '../shared/validation.js'
import { invalid, tooLarge } from '../shared/errors.js'
import { cursorCodec } from '../shared/cursor.js'
import { parseProducerTime } from '../shared/producer-time.js'
import { depthMessage, exceedsJsonDepth } from '../shared/json-depth.js'
import {
  publicKeyFromPem, signCheckpoint,
  type AuditActor, type AuditDraft, type AuditEntry, type AuditTarget, type Outcome,
} from './hash-chain.js'
import { BUNDLE_FORMAT, ChainVerifier, type BundleHeader, type VerifyResult } from './chain-verifier.js'
import { createChainAppender } from './chain-appender.js'
import type { SigningKey } from './adapters/key-files.js'

/** Who sent the write and from where; the hub adds it to every entry. */
declare module '../shared/bus.js' {
  interface BusTopics {
    /** entries committed to the audit trail, in seq order */
    'audit.appended': { entries: AuditEntry[] }
  }
}

export interface AuditContext { submittedBy: string, clientIp: string | null, requestId: string | null }

export interface AuditServiceOptions {
  store: Store
  bus: Bus
  signingKey: SigningKey
  trustedKeys: Map<string, KeyObject>
  maxBatch: number
  metadataMaxBytes: number
  /** sign a checkpoint once this many entries follow the last one */
  checkpointEvery: number
  onCheckpoint?: (seq: number, hash: string) => void
  onError?: (err: unknown, what: string) => void
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: 'mcp-server', name: null, onBehalfOf: null }

const validator = compileValidator<AuditInputT>(AuditInput)
const cursor = cursorCodec('a1.')
const VERIFY_CHUNK = 2000
const VERIFY_TEXT_CHUNK = 5000

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

export function createAuditService (opts: AuditServiceOptions) {
  const { store, bus, signingKey, trustedKeys, maxBatch, metadataMaxBytes, checkpointEvery } = opts
  const nextId = monotonicFactory(pooledRandom())
  const appender = createChainAppender(store.audit)
  let lastCheckpointSeq = 0
  let lastAppendedSeq = 0
  let checkpointing: Promise<void> = Promise.resolve()

  function prepare (item: unknown, path: string, ctx: AuditContext, now: number): AuditDraft | string {
    const timestamp = item !== null && typeof item === 'object' ? (item as { timestamp?: unknown }).timestamp : undefined
    const producerTime = timestamp === undefined ? undefined : parseProducerTime(timestamp)
    // its parser says what is wrong with a timestamp better than the schema's union can
    if (typeof producerTime === 'string') return `${path}/timestamp ${producerTime}`
    if (!validator.check(item)) return validator.firstError(item, path)!
    // the original design's entry names its agent: {action, agent, timestamp}
    if (item.actor && item.agent !== undefined) return `${path}/agent and ${path}/actor both name who acted; send one`
    const actor = item.actor ?? (item.agent !== undefined ? { type: 'agent' as const, id: item.agent } : undefined)
    if (!actor) return `${path}/actor is required (or agent, the id of the agent that acted)`
    if (actor.type === 'system' && actor.id.toLowerCase() === SYSTEM_ACTOR.id) return `${path}/actor/id ${SYSTEM_ACTOR.id} is the hub's own system actor; a system actor of yours needs another id`
    if (exceedsJsonDepth(item.metadata)) return `${path}/metadata ${depthMessage()}`
    let metadata = item.metadata ?? {}
    if (producerTime !== undefined) {
      if (Object.hasOwn(metadata, 'producerTime')) return `${path}/metadata/producerTime is where timestamp is kept; send one of them`
      metadata = { ...metadata, producerTime: producerTime.text }
    }
    const size = Buffer.byteLength(JSON.stringify(metadata))
    if (size > metadataMaxBytes) return `${path}/metadata is ${size} bytes; the limit is ${metadataMaxBytes} (MCP_AUDIT_METADATA_MAX_BYTES)`
    return {
      id: nextId(now),
      time: new Date(now).toISOString(),
      actor: { type: actor.type, id: actor.id, name: actor.name ?? null, onBehalfOf: actor.onBehalfOf ?? null },
      action: item.action,
      target: item.target ?? null,
      outcome: item.outcome ?? 'unknown',
      reason: item.reason ?? null,
      metadata,
      model: item.model ?? null,
      tool: item.tool ?? null,
      argumentsHash: item.argumentsHash ?? null,
      clientIp: ctx.clientIp,
      requestId: ctx.requestId,
      submittedBy: ctx.submittedBy,
    }
  }

  async function append (drafts: AuditDraft[]): Promise<AuditEntry[]> {
    const entries = await appender.append(drafts)
    const last = entries[entries.length - 1]
    if (last && last.seq > lastAppendedSeq) lastAppendedSeq = last.seq
    bus.publish('audit.appended', { entries })
    if (lastAppendedSeq - lastCheckpointSeq >= checkpointEvery) void checkpoint()
    return entries
  }

  /** Signs the current tail if it is past the last checkpoint. Runs one at a time. */
  function checkpoint (): Promise<void> {
    checkpointing = checkpointing.then(async () => {
      const tail = await store.audit.tail()
      if (!tail || tail.seq <= lastCheckpointSeq) return
      const cp = signCheckpoint({ seq: tail.seq, hash: tail.hash, time: new Date().toISOString() }, signingKey.privateKey, signingKey.keyId)
      await store.audit.addCheckpoint(cp)
      lastCheckpointSeq = tail.seq
      opts.onCheckpoint?.(cp.seq, cp.hash)
    }).catch((err) => opts.onError?.(err, 'audit checkpoint'))
    return checkpointing
  }

  async function * bundleLines (): AsyncGenerator<string> {
    // checkpoints first, then the tail: every checkpoint read has its entry in the export
    const checkpoints = await store.audit.checkpoints(Number.MAX_SAFE_INTEGER)
    const tail = await store.audit.tail()
    const header: BundleHeader = { type: 'header', format: BUNDLE_FORMAT, version: 1, exportedAt: new Date().toISOString(), publicKeys: publicKeys() }
    yield JSON.stringify(header) + '\n'
    for (const c of checkpoints) yield JSON.stringify({ type: 'checkpoint', ...c }) + '\n'
    const last = tail?.seq ?? 0
    let from = 1
    while (from <= last) {
      const chunk = await store.audit.range(from, last, VERIFY_CHUNK)
      if (chunk.length === 0) break
      yield chunk.map((e) => JSON.stringify({ type: 'entry', ...e })).join('\n') + '\n'
      from = chunk[chunk.length - 1].seq + 1
    }
  }

  /** The walk for stores without canonical texts: each entry read as an object and canonicalised. */
  async function verifyGeneric (verifier: ChainVerifier, last: number): Promise<VerifyResult> {
    for (let from = 1; from <= last;) {
      const chunk = await store.audit.range(from, last, VERIFY_CHUNK)
      if (chunk.length === 0 || !chunk.every((e) => verifier.add(e))) break
      from = chunk[chunk.length - 1].seq + 1
      await yieldToLoop()
    }
    return verifier.finish()
  }

  function publicKeys () {
    return [...trustedKeys.entries()].map(([keyId, key]) => ({ keyId, pem: key.export({ type: 'spki', format: 'pem' }) as string }))
  }

  return {
    /** Reads where the chain and the checkpoints stand; call once before serving. */
    async init () {
      lastCheckpointSeq = (await store.audit.lastCheckpoint())?.seq ?? 0
      lastAppendedSeq = (await store.audit.tail())?.seq ?? 0
      await appender.init()
    },

    async appendOne (item: unknown, ctx: AuditContext): Promise<AuditEntry> {
      const draft = prepare(item, 'body', ctx, Date.now())
      if (typeof draft === 'string') throw invalid(draft)
      return (await append([draft]))[0]
    },

    /** All or nothing: one bad item refuses the batch, naming it. */
    async appendBatch (items: unknown[], ctx: AuditContext): Promise<AuditEntry[]> {
      if (items.length === 0) throw invalid('body must hold at least one entry')
      if (items.length > maxBatch) throw tooLarge(`body holds ${items.length} entries; the limit is ${maxBatch} (MCP_AUDIT_MAX_BATCH)`)
      const now = Date.now()
      const drafts: AuditDraft[] = []
      for (let i = 0; i < items.length; i++) {
        const d = prepare(items[i], `body/${i}`, ctx, now)
        if (typeof d === 'string') throw invalid(d)
        drafts.push(d)
      }
      return append(drafts)
    },

    /** The hub's own entries: admin changes, failed logins, imports. */
    async recordFor (actor: AuditActor, action: string, target: AuditTarget | null, outcome: Outcome, ctx: AuditContext, metadata: Record<string, unknown> = {}, reason: string | null = null,
      fields: { tool?: string | null, argumentsHash?: string | null } = {}): Promise<AuditEntry> {
      const now = Date.now()
      const [entry] = await append([{
        id: nextId(now),
        time: new Date(now).toISOString(),
        actor,
        action,
        target,
        outcome,
        reason,
        metadata,
        model: null,
        tool: fields.tool ?? null,
        argumentsHash: fields.argumentsHash ?? null,
        clientIp: ctx.clientIp,
        requestId: ctx.requestId,
        submittedBy: ctx.submittedBy,
      }])
      return entry
    },

    async query (q: AuditQueryT): Promise<{ entries: AuditEntry[], nextCursor: string | null }> {
      const filter: AuditFilter = {
        actorId: q.actorId,
        actorType: q.actorType,
        onBehalfOf: q.onBehalfOf,
        actionPrefix: q.action,
        targetType: q.targetType,
        targetId: q.targetId,
        outcome: q.outcome,
        since: q.since ? Date.parse(q.since) : undefined,
        until: q.until ? Date.parse(q.until) : undefined,
        beforeSeq: q.cursor ? cursor.decodeSeq(q.cursor) : undefined,
        limit: q.limit + 1,
      }
      const rows = await store.audit.query(filter)
      const page = rows.slice(0, q.limit)
      return { entries: page, nextCursor: rows.length > q.limit ? cursor.encode(page[page.length - 1].seq) : null }
    },

    get: (id: string) => store.audit.get(id),
    count: () => store.audit.count(),
    checkpoint,

    /** Walks the whole chain in chunks (the event loop keeps serving) and checks every checkpoint. */
    async verify (): Promise<VerifyResult> {
      const verifier = new ChainVerifier(trustedKeys)
      // checkpoints before the tail: a checkpoint is only written for an entry that exists, so one
      // past the tail read afterwards means entries were removed
      for (const c of await store.audit.checkpoints(Number.MAX_SAFE_INTEGER)) verifier.addCheckpoint(c)
      const last = (await store.audit.tail())?.seq ?? 0
      const { canonicalTexts, columns: columnsOf } = store.audit
      if (!canonicalTexts || !columnsOf) return verifyGeneric(verifier, last)
      let from = 1
      while (from <= last) {
        // each entry's canonical text, built by the store from its columns and hashed here (canonical.ts):
        // a chunk is some 10-20 ms of work, after which the loop serves what waits
        const chunk = await canonicalTexts.call(store.audit, from, last, VERIFY_TEXT_CHUNK)
        if (chunk.length === 0) break
        let broken = false
        for (const r of chunk) {
          let ok = verifier.addText(r)
          if (ok === undefined) {
            // a text that does not hash to the stored hash: the entry's columns decide, as add would
            const [columns] = await columnsOf.call(store.audit, r[0], r[0], 1)
            ok = columns ? verifier.addColumns(columns) : false
          }
          if (!ok) { broken = true; break }
        }
        if (broken) break
        from = chunk[chunk.length - 1][0] + 1
        await yieldToLoop()
      }
      return verifier.finish()
    },

    bundleLines,
    /** the keys checkpoints are verified with */
    trustedKeys: () => new Map(trustedKeys),
    trustKey (keyId: string, pem: string) { trustedKeys.set(keyId, publicKeyFromPem(pem)) },
    publicKey: () => ({ keyId: signingKey.keyId, algorithm: 'Ed25519' as const, pem: signingKey.publicPem, trusted: publicKeys() }),
    publicKeys,
  }
}

export type AuditService = ReturnType<typeof createAuditService>
