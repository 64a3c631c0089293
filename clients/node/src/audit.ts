// audit(entry): one entry (or a batch, stored all or nothing) appended to the hub's trail through
// POST /audit (docs/audit.md). The hub accepts it only with credentials: a bearer token from its
// MCP_INGEST_TOKENS. Unlike events, an audit entry is not queued: the caller learns at once whether the
// trail holds it, and an overloaded hub's answer (429/503) is retried a few times within a deadline.
import { postToHub, type HubConnection } from './hub-request.js'

export interface AuditEntry {
  /** who acted; a service usually reports `{ type: 'service', id: '<its name>' }` */
  actor?: { type: 'user' | 'agent' | 'service' | 'system', id: string, name?: string, onBehalfOf?: string }
  /** the original design's shape: `agent: 'admin'` is `actor: { type: 'agent', id: 'admin' }` */
  agent?: string
  /** a dotted name, e.g. `order.refund` */
  action: string
  target?: { type: string, id: string }
  outcome?: 'success' | 'failure' | 'denied' | 'unknown'
  timestamp?: number | string
  reason?: string
  metadata?: Record<string, unknown>
  model?: string
  tool?: string
  argumentsHash?: string
}

/** The stored entry, as the hub answers one entry (and GET /audit/:id reads it). */
export interface StoredAuditEntry extends AuditEntry { id: string, seq: number, time: string, hash: string, prevHash: string, submittedBy: string, [field: string]: unknown }

/** The hub's answer to a batch: a receipt per entry. */
export interface AuditBatchReceipt { accepted: Array<{ index: number, id: string, seq: number, hash: string }> }

export class HubError extends Error {
  override name = 'HubError'
  constructor (message: string, readonly status: number | null, readonly body: unknown = null) { super(message) }
}

export interface AuditOptions {
  /** attempts while the hub answers 429/503 or cannot be reached; default 3 */
  attempts?: number
  /** first retry delay, doubled per attempt (the hub's Retry-After when longer); default 250 ms */
  retryBaseMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function appendAudit (conn: HubConnection, entry: AuditEntry, opts?: AuditOptions): Promise<StoredAuditEntry>
export function appendAudit (conn: HubConnection, entry: AuditEntry[], opts?: AuditOptions): Promise<AuditBatchReceipt>
export async function appendAudit (conn: HubConnection, entry: AuditEntry | AuditEntry[], opts: AuditOptions = {}): Promise<unknown> {
  const attempts = opts.attempts ?? 3
  for (let attempt = 1; ; attempt++) {
    const answer = await postToHub(conn, '/audit', entry)
    if (answer.kind === 'ok') return answer.body
    if (answer.kind === 'refused' || attempt >= attempts) throw new HubError(`audit not stored: ${answer.message}`, answer.status, answer.kind === 'refused' ? answer.body : null)
    await sleep(Math.max(answer.retryAfterMs ?? 0, (opts.retryBaseMs ?? 250) * 2 ** (attempt - 1)))
  }
}
