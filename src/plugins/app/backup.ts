// Backup and restore: decorates `backup`, built from the backup service: an NDJSON export of every
// table (data and API definitions) and an import that validates every row as the API would and checks
// the audit trail it carries. An import never trusts a key: that is POST /audit/trusted-keys.
import fp from 'fastify-plugin'
import { exportLines, importBackup, type ImportOutcome } from '../../domain/backup/backup-service.js'
import type { ServiceDefinitionT } from '../../schemas/health.js'

export interface ImportRequest {
  /** X-Backup-Key: opens the channel secrets sealed at export */
  passphrase?: string
  /** 'skip' restores everything but the audit trail */
  audit?: 'import' | 'skip'
}

export interface Backup {
  /** the tables a backup holds, in export order */
  tables (): string[]
  /** the export as NDJSON chunks: the header, then one line per row; channel secrets sealed with `passphrase`, or left out */
  exportLines (passphrase?: string): AsyncGenerator<string>
  /** Validates a backup and restores it, all or nothing (a DomainError naming the line, or the first broken audit entry). */
  import (ndjson: string, req?: ImportRequest): Promise<Omit<ImportOutcome, 'definitions'>>
}

declare module 'fastify' {
  interface FastifyInstance { backup: Backup }
}

export default fp(async (app) => {
  const { store, audit } = app
  const checks = {
    // an API service is stored normalised: it must normalise to itself under the API's rules and guard
    health_services (row: Record<string, unknown>) {
      const def = JSON.parse(String(row.definition)) as ServiceDefinitionT
      if (def.name !== row.name) throw new Error(`health_services.definition names "${String(def.name)}", not the row's ${String(row.name)}`)
      app.health.checkImported(def, 'health_services.definition')
    },
  }
  app.decorate('backup', {
    tables: () => store.backup.tables(),
    exportLines: (passphrase) => exportLines(store, audit.publicKeys(), passphrase),
    async import (ndjson, req = {}) {
      const { definitions, ...outcome } = await importBackup(store, ndjson, { trusted: audit.trustedKeys(), checks, ...req })
      // the catalogues take up what was stored, as if created through the API
      const parsed = (r: { row: Record<string, unknown> }, col: string) => JSON.parse(String(r.row[col])) as unknown
      app.notifier.adoptImported(definitions.filter((d) => d.table === 'notifier_definitions').map((d) => ({ kind: String(d.row.kind), id: String(d.row.id), spec: parsed(d, 'spec') })))
      await app.health.adoptImported(definitions.filter((d) => d.table === 'health_services').map((d) => ({ def: parsed(d, 'definition') as ServiceDefinitionT, createdAt: Number(d.row.created_at) })))
      return outcome
    },
  } satisfies Backup)
}, { name: 'backup', dependencies: ['config', 'store', 'audit', 'health', 'notifier'] })
