// The events area of the storage port: append (idempotent on producer id), query, count, retention.
import type { Severity } from '../../domain/shared/names.js'

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
  /** the attributes (unknown top-level fields included) serialised to JSON; null when there are none */
  attributesJson: string | null
  receivedAt: number
}

/** An event as the store answers it: the new event's fields, its seq, the payload parsed, the receive time in ISO form. */
export interface StoredEvent extends Omit<NewEvent, 'payloadJson' | 'attributesJson' | 'receivedAt'> {
  seq: number
  /** any JSON value */
  payload: unknown
  attributes: Record<string, unknown> | null
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
