// The health area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { HealthStore } from '../ports/health.js'

export const healthArea: PgArea<HealthStore> = {
  name: 'health',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres health.${String(op)}: not written yet`) } }) as HealthStore
  },
}
