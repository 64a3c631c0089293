// What the health feature publishes on the bus, after the change is stored.
import type { ServiceState } from '../shared/names.js'
import type { CheckVerdict } from '../../store/ports/health.js'

/** A service changed state. */
export interface ServiceTransition {
  service: string
  tags: string[]
  dependsOn: string[]
  from: ServiceState
  to: ServiceState
  /** ISO time of the check that caused the transition */
  at: string
  /** error class or reason, e.g. 'timeout', 'status', 'latency', 'tls-expiry'; null when recovering */
  cause: string | null
  /** the incident opened (to down/degraded) or closed (back to up) by this transition */
  incidentId: string | null
}

declare module '../shared/bus.js' {
  interface BusTopics {
    'service.transition': ServiceTransition
    /** every stored check, for metrics (after its batch commits) */
    'service.checked': { service: string, verdict: CheckVerdict, latencyMs: number, errorClass: string | null }
  }
}
