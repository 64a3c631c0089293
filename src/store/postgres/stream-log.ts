// The streamLog area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { StreamLogStore } from '../ports/stream-log.js'

export const streamLogArea: PgArea<StreamLogStore> = {
  name: 'streamLog',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres streamLog.${String(op)}: not written yet`) } }) as StreamLogStore
  },
}
