// One monitored service as the health feature holds it in memory: its definition, where it was
// defined, and its current state (the last check included).
import type { ServiceDefinitionT } from '../../schemas/health.js'
import type { ServiceStateRecord } from '../../store/ports/health.js'

/** 'file': from the config file, read-only through the API; 'api': created through the API, stored. */
export type ServiceSource = 'file' | 'api'

export interface MonitoredService {
  def: ServiceDefinitionT
  source: ServiceSource
  state: ServiceStateRecord
  createdAt: number
}
