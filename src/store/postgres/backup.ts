// The backup area of the PostgreSQL engine. (Being written this session: its helper replaces this file.)
import type { PgArea } from './area.js'
import type { BackupStore } from '../ports/backup.js'

export const backupArea: PgArea<BackupStore> = {
  name: 'backup',
  migrations: [],
  open () {
    return new Proxy({}, { get: (_, op) => { throw new Error(`postgres backup.${String(op)}: not written yet`) } }) as BackupStore
  },
}
