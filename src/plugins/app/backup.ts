// Backup and restore: decorates `backup`, built from the backup service: an NDJSON export of every
// table and an import that verifies the audit trail it carries, then trusts that trail's keys.
import fp from 'fastify-plugin'
import { exportLines, importBackup, type ImportOutcome } from '../../domain/backup/backup-service.js'
import { addTrustedKey } from '../../domain/audit/adapters/key-files.js'

export interface Backup {
  /** the tables a backup holds, in export order */
  tables (): string[]
  /** the export as NDJSON chunks: the header (with the audit trail's public keys), then one line per row */
  exportLines (): AsyncGenerator<string>
  /**
   * Validates a backup and restores it, all or nothing (a DomainError naming the line, or the first
   * broken audit entry). The keys of the trail it restores are trusted from then on, here and on disk.
   */
  import (ndjson: string): Promise<Omit<ImportOutcome, 'newKeys'>>
}

declare module 'fastify' {
  interface FastifyInstance { backup: Backup }
}

export default fp(async (app) => {
  const { config, store, audit } = app
  app.decorate('backup', {
    tables: () => store.backup.tables(),
    exportLines: () => exportLines(store, audit.publicKeys()),
    async import (ndjson) {
      const { newKeys, ...outcome } = await importBackup(store, ndjson, audit.trustedKeys())
      // the imported trail's checkpoints verify here from now on
      for (const k of newKeys) audit.trustKey(addTrustedKey(config.dataDir, k.pem), k.pem)
      return outcome
    },
  } satisfies Backup)
}, { name: 'backup', dependencies: ['config', 'store', 'audit'] })
