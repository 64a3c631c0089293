// The storage port: what the domain asks of a store, engine-neutral. The SQLite engine implements it;
// a PostgreSQL engine serves the same interface and passes the same contract suite (test/store-contract.ts).
import type { AlertRecord } from '../domain/alert-machine.js'

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

/** Objects of the notifier kept as JSON specs: channels, alert rules, silences, maintenance windows. */
export type NotifierDefinitionKind = 'channel' | 'rule' | 'silence' | 'maintenance'

/** The notifier's own view of a service's latest state, from the transitions it received. */
export interface LastServiceState { service: string, state: string, tags: string[], dependsOn: string[], at: number }

/** One alert's notice waiting for its channel's grouping window (and rate budget). */
export interface OutboxItem { id: string, channelId: string, alertId: string, snapshot: unknown, createdAt: number }

export type OutboxStatus = 'pending' | 'sent' | 'expired' | 'abandoned'

/** One message to one channel; written before any attempt to send it. */
export interface OutboxMessage {
  id: string
  channelId: string
  kind: string
  payload: unknown
  alertIds: string[]
  status: OutboxStatus
  attempts: number
  createdAt: number
  nextAttemptAt: number
  sentAt: number | null
  lastError: string | null
}

export interface NewDelivery {
  messageId: string, channelId: string, kind: string, alertIds: string[], attempt: number, at: number,
  outcome: 'success' | 'failure' | 'expired' | 'abandoned', statusCode: number | null, error: string | null, durationMs: number
}
export interface DeliveryRecord extends NewDelivery { seq: number }

export interface NotifierStore {
  definitions (kind: NotifierDefinitionKind): Promise<Array<{ id: string, spec: unknown }>>
  putDefinition (kind: NotifierDefinitionKind, id: string, spec: unknown): Promise<void>
  deleteDefinition (kind: NotifierDefinitionKind, id: string): Promise<boolean>
  serviceStates (): Promise<LastServiceState[]>
  openAlerts (): Promise<AlertRecord[]>
  alerts (filter: { state?: 'active' | 'resolved', service?: string, limit: number }): Promise<AlertRecord[]>
  getAlert (id: string): Promise<AlertRecord | undefined>
  /** one transaction: a service's latest state, alert changes and the notices they queue */
  record (changes: { serviceState?: LastServiceState, alerts?: AlertRecord[], items?: OutboxItem[] }): Promise<void>
  /** items not yet grouped into a message, oldest first */
  pendingItems (): Promise<OutboxItem[]>
  /** writes the message and marks the items as grouped into it, in one transaction */
  enqueue (message: OutboxMessage, itemIds: string[]): Promise<void>
  /** pending messages due by `now`, only the oldest pending one of each channel (in-order delivery) */
  dueMessages (now: number, limit: number): Promise<OutboxMessage[]>
  /** creation times of the channel's messages since `since` (the rate budget) */
  messageTimes (channelId: string, since: number): Promise<number[]>
  /** logs one attempt and updates the message, in one transaction */
  recordAttempt (delivery: NewDelivery, update: Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'sentAt' | 'lastError'>): Promise<void>
  deliveries (filter: { alertId?: string, channelId?: string, limit: number }): Promise<DeliveryRecord[]>
  pendingCount (): Promise<number>
  /** deletes delivery log rows, finished messages and resolved alerts older than `before` (ms) */
  prune (before: number): Promise<number>
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres'
  events: EventStore
  notifier: NotifierStore
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
