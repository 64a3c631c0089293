// The storage port: what the domain asks of a store, engine-neutral, one interface per area in this
// folder. The SQLite engine implements it; a second engine serves the same interfaces and passes the
// same contract suite (test/store/contract.ts).
import { DomainError } from '../../domain/shared/errors.js'
import type { EventStore } from './events.js'
import type { HealthStore } from './health.js'
import type { StreamLogStore } from './stream-log.js'
import type { AuditStore } from './audit.js'
import type { ContextStore } from './context.js'
import type { BackupStore } from './backup.js'
import type { NotifierStore } from './notifier.js'
import type { AgentTokenStore } from './agent-tokens.js'

export interface Store {
  readonly engine: 'sqlite' | 'postgres'
  events: EventStore
  health: HealthStore
  streamLog: StreamLogStore
  audit: AuditStore
  context: ContextStore
  backup: BackupStore
  notifier: NotifierStore
  agentTokens: AgentTokenStore
  /** answers when the engine can serve a read and a write round trip */
  ping (): Promise<void>
  /** commits everything queued, then closes */
  close (): Promise<void>
}

/** Thrown when the write queue is full: the caller answers 503 with Retry-After. */
export class StoreOverloadedError extends DomainError {
  override name = 'StoreOverloadedError'
  constructor (retryAfterSeconds = 1) { super('unavailable', 'the store is busy; retry shortly', {}, retryAfterSeconds) }
}

/** Thrown once the store is closing or closed. */
export class StoreClosedError extends DomainError {
  override name = 'StoreClosedError'
  constructor () { super('unavailable', 'the hub is shutting down; retry shortly', {}, 5) }
}
