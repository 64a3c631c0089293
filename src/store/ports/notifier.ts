// The notifier area of the storage port: definitions, alerts, the outbox and the delivery log.
import type { AlertRecord } from '../../domain/notifier/alert-machine.js'

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
  messageId: string,
  channelId: string,
  kind: string,
  alertIds: string[],
  attempt: number,
  at: number,
  outcome: 'success' | 'failure' | 'expired' | 'abandoned',
  statusCode: number | null,
  error: string | null,
  durationMs: number
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
  /**
   * Engines shared by several instances (PostgreSQL): due messages as `dueMessages` answers them, each
   * taken by this caller alone until it records its attempt or `leaseMs` passes (it died mid-send).
   */
  claimDue? (now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>
  /** creation times of the channel's messages since `since` (the rate budget) */
  messageTimes (channelId: string, since: number): Promise<number[]>
  /** logs one attempt and updates the message, in one transaction */
  recordAttempt (delivery: NewDelivery, update: Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'sentAt' | 'lastError'>): Promise<void>
  deliveries (filter: { alertId?: string, channelId?: string, limit: number }): Promise<DeliveryRecord[]>
  pendingCount (): Promise<number>
  /** deletes delivery log rows, finished messages and resolved alerts older than `before` (ms) */
  prune (before: number): Promise<number>
}
