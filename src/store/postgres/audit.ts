// The audit area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { AuditStore } from '../ports/audit.js'

export const auditArea: PgArea<AuditStore> = {
  name: 'audit',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres audit.${String(op)}: not written yet`) } }) as AuditStore
  },
}
