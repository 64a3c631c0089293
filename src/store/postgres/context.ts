// The context area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { ContextStore } from '../ports/context.js'

export const contextArea: PgArea<ContextStore> = {
  name: 'context',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres context.${String(op)}: not written yet`) } }) as ContextStore
  },
}
