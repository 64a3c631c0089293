// The notifier area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { NotifierStore } from '../ports/notifier.js'

export const notifierArea: PgArea<NotifierStore> = {
  name: 'notifier',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres notifier.${String(op)}: not written yet`) } }) as NotifierStore
  },
}
