// The storage port: what the domain asks of a store, engine-neutral. The SQLite engine implements it;
// a PostgreSQL engine serves the same interface and passes the same contract suite (test/store-contract.ts).
import type { AuditDraft, AuditEntry, Checkpoint } from '../domain/hash-chain.js'
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

/** A service defined through the API (file-defined ones live in the config file). */
export interface StoredServiceDefinition {
  name: string
  /** the normalised definition, as JSON-ready data */
  definition: Record<string, unknown>
  createdAt: number
  updatedAt: number
}

export type CheckVerdict = 'up' | 'degraded' | 'down'

export interface CheckRecord {
  seq?: number
  service: string
  /** ms epoch the check started */
  at: number
  verdict: CheckVerdict
  latencyMs: number
  httpStatus: number | null
  errorClass: string | null
  message: string | null
  tlsDaysLeft: number | null
  /** taken during a maintenance window: kept in history, not counted in uptime */
  maintenance?: boolean
}

export interface ServiceStateRecord {
  service: string
  state: 'unknown' | 'up' | 'degraded' | 'down' | 'paused'
  since: number
  failures: number
  notUp: number
  successes: number
  notDown: number
  incidentId: string | null
  lastCheck: CheckRecord | null
}

export interface IncidentRecord {
  id: string
  service: string
  kind: 'down' | 'degraded'
  cause: string | null
  startedAt: number
  endedAt: number | null
}

/** One state change, stored in one transaction: the new state, and the incident it opens or closes. */
export interface StateChange {
  state: ServiceStateRecord
  /** ms epoch the change happened (end of a closed incident) */
  at: number
  closeIncidentId?: string | null
  openIncident?: IncidentRecord | null
}

export interface UptimeCounts { total: number, up: number, degraded: number, down: number }
/** check counts of one service over one UTC day (`day`: ms epoch of its midnight) */
export interface DailyUptime extends UptimeCounts { service: string, day: number }

export interface HealthStore {
  listServices (): Promise<StoredServiceDefinition[]>
  /** inserts or replaces an API-defined service */
  putService (def: StoredServiceDefinition): Promise<void>
  /** deletes a service's definition (if stored) and all its state, checks, rollups and incidents */
  removeService (name: string): Promise<void>
  listStates (): Promise<ServiceStateRecord[]>
  /** stores a check, its hourly rollup and, when given, the state change it caused; returns the check's seq */
  recordCheck (check: CheckRecord, change?: StateChange): Promise<number>
  /** the same for many checks in one write (one transaction), in order; returns their seqs */
  recordChecks (items: Array<{ check: CheckRecord, change?: StateChange }>): Promise<number[]>
  /** stores a state change without a check (pause, resume) */
  changeState (change: StateChange): Promise<void>
  /** raw checks, newest first */
  history (service: string, f: { since?: number, until?: number, beforeSeq?: number, limit: number }): Promise<CheckRecord[]>
  /** check counts from the hourly rollups since each given time (ms epoch, rounded down to the hour) */
  uptime (service: string, since: number[]): Promise<UptimeCounts[]>
  /** per service and UTC day, check counts from the hourly rollups since `since` (a UTC midnight), in one read */
  uptimeByDay (since: number, until?: number): Promise<DailyUptime[]>
  /** incidents, newest first */
  incidents (service: string, f: { beforeId?: string, limit: number }): Promise<IncidentRecord[]>
  getIncident (id: string): Promise<IncidentRecord | undefined>
  /** deletes raw checks before `before`; returns how many */
  pruneChecks (before: number): Promise<number>
  /** deletes rollups of hours before `before` and incidents ended before it; returns how many rollups */
  pruneRollups (before: number): Promise<number>
}

export interface StreamLogEntry { seq: number, kind: string, type: string, data: unknown, at: number }

/** Happenings kept for stream replay (state and alert changes); bounded in time. */
export interface StreamLogStore {
  append (kind: string, type: string, data: unknown, at?: number): Promise<number>
  /** entries of `kind` with seq > `seq`, ascending */
  after (kind: string, seq: number, limit: number): Promise<StreamLogEntry[]>
  /** deletes entries older than `before` (ms) */
  prune (before: number): Promise<number>
}

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

export const CONTEXT_KINDS = ['models', 'agents', 'tasks'] as const
export type ContextKind = typeof CONTEXT_KINDS[number]

/** A model, agent or task: its indexed fields plus the rest of its document. */
export interface ContextItem {
  id: string
  name: string
  status: string
  createdAt: string
  updatedAt: string
  [field: string]: unknown
}

export interface ContextStore {
  list (kind: ContextKind, filter: { status?: string, name?: string, afterId?: string, limit: number }): Promise<ContextItem[]>
  get (kind: ContextKind, id: string): Promise<ContextItem | undefined>
  /** ConflictError (code CONTEXT_EXISTS) when the id is taken */
  create (kind: ContextKind, item: ContextItem): Promise<ContextItem>
  /** validates the status change on the writer thread; codes CONTEXT_NOT_FOUND, CONTEXT_TRANSITION */
  update (kind: ContextKind, id: string, patch: Record<string, unknown>, now: string): Promise<{ before: ContextItem, after: ContextItem }>
  delete (kind: ContextKind, id: string): Promise<ContextItem | undefined>
  /** the most recently updated task with this name */
  latestTask (name: string): Promise<ContextItem | undefined>
}

/** One row of a backup: the table and its columns as stored. */
export interface BackupRow { table: string, row: Record<string, unknown> }

export interface BackupStore {
  /** the tables a backup holds, in restore order */
  tables (): string[]
  /** every row of every table, read in one read transaction (a consistent snapshot) */
  snapshot (): AsyncIterable<BackupRow>
  /**
   * Restores rows in one write op: all or nothing. Rows whose key exists are skipped (idempotent);
   * in an immutable table (the audit trail) an existing key must hold the very same row.
   * Fails with code IMPORT_INVALID and a message starting "line N:".
   */
  restore (rows: Array<BackupRow & { line: number }>): Promise<{ inserted: Record<string, number>, skipped: Record<string, number> }>
  /** reads a row of the audit tables as an entry or a checkpoint (null for other tables); throws when malformed */
  auditRowOf (row: BackupRow): { entry: AuditEntry } | { checkpoint: Checkpoint } | null
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
  health: HealthStore
  streamLog: StreamLogStore
  audit: AuditStore
  context: ContextStore
  backup: BackupStore
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
