// @mcp-server/client: report events, append audit entries and answer the hub's health checks.
import { appendAudit, type AuditBatchReceipt, type AuditEntry, type AuditOptions, type StoredAuditEntry } from './audit.js'
import type { HubConnection } from './hub-request.js'
import { createReporter, type ReporterOptions } from './reporter.js'

export { createReporter, type HubEvent, type Logger, type Reporter, type ReporterOptions, type ReporterStats, type FlushResult, type Severity } from './reporter.js'
export { appendAudit, HubError, type AuditEntry, type AuditOptions, type AuditBatchReceipt, type StoredAuditEntry } from './audit.js'
export { createHealth, type CheckFn, type CheckOutcome, type FastifyLikeReply, type Health, type HealthCheck, type HealthOptions, type HealthReport, type HealthStatus } from './health.js'
export { parseRetryAfter, type HubConnection } from './hub-request.js'

/** One object for a service: `report()` events through the queue, `audit()` entries at once, `close()` on shutdown. */
export function createHubClient (opts: ReporterOptions) {
  const reporter = createReporter(opts)
  const conn: HubConnection = { url: opts.url, token: opts.token, requestTimeoutMs: opts.requestTimeoutMs }
  function audit (entry: AuditEntry, o?: AuditOptions): Promise<StoredAuditEntry>
  function audit (entry: AuditEntry[], o?: AuditOptions): Promise<AuditBatchReceipt>
  function audit (entry: AuditEntry | AuditEntry[], o?: AuditOptions): Promise<unknown> {
    return Array.isArray(entry) ? appendAudit(conn, entry, o) : appendAudit(conn, entry, o)
  }
  return { ...reporter, audit }
}

export type HubClient = ReturnType<typeof createHubClient>
