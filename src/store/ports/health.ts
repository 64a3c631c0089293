// The health area of the storage port: API-defined services, states, checks, hourly rollups, incidents.
import type { ServiceState } from '../../domain/shared/names.js'

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
  state: ServiceState
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
