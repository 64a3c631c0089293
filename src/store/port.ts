// The storage port: what the domain asks of a store, engine-neutral. The SQLite engine implements it;
// a PostgreSQL engine serves the same interface and passes the same contract suite (test/store-contract.ts).

export const SEVERITIES = [
  'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4',
  'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4',
  'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4',
] as const
export type Severity = typeof SEVERITIES[number]
/** OpenTelemetry SeverityNumber: TRACE=1 … FATAL4=24. */
export const severityNumber = (s: Severity): number => SEVERITIES.indexOf(s) + 1

/** An event as the store receives it: validated, normalised, with the hub's id and receive time. */
export interface NewEvent {
  /** a ULID whose time part is `receivedAt`: engines may serve time ranges from the id */
  id: string
  type: string
  source: string | null
  severity: Severity | null
  time: string | null
  producerId: string | null
  traceparent: string | null
  /** the payload already serialised to JSON (it was measured against the size bound) */
  payloadJson: string
  receivedAt: number
}

export interface StoredEvent {
  id: string
  seq: number
  type: string
  source: string | null
  severity: Severity | null
  time: string | null
  producerId: string | null
  traceparent: string | null
  payload: Record<string, unknown>
  receivedAt: string
}

/** Result of appending one event: the stored event's id and whether it already existed (idempotency). */
export interface AppendOutcome {
  id: string
  seq: number
  duplicate: boolean
}

export interface EventFilter {
  type?: string
  source?: string
  severity?: Severity
  minSeverity?: Severity
  since?: number
  until?: number
  /** return rows with seq strictly below this (newest-first paging) */
  beforeSeq?: number
  /** return rows with seq strictly above this */
  afterSeq?: number
  /** by seq; newest first unless 'asc' */
  order?: 'asc' | 'desc'
  limit: number
}

export interface EventStore {
  append (events: NewEvent[]): Promise<AppendOutcome[]>
  query (filter: EventFilter): Promise<StoredEvent[]>
  get (id: string): Promise<StoredEvent | undefined>
  count (): Promise<number>
  /** delete events received before `before` (ms); returns how many were deleted */
  prune (before: number): Promise<number>
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres'
  events: EventStore
  /** answers when the engine can serve a read and a write round trip */
  ping (): Promise<void>
  /** commits everything queued, then closes */
  close (): Promise<void>
}

/** Thrown when the write queue is full: the caller answers 503 with Retry-After. */
export class StoreOverloadedError extends Error {
  override name = 'StoreOverloadedError'
  constructor (readonly retryAfterSeconds = 1) { super('the store is busy; retry shortly') }
}

/** Thrown once the store is closing or closed. */
export class StoreClosedError extends Error {
  override name = 'StoreClosedError'
  constructor () { super('the store is closed') }
}
