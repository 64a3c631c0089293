// An OTLP log export through the event log: the mapped records are stored as POST /events batches
// (the same validation, bounds, idempotency and commit), at most `maxBatch` a batch, and the answer
// counts what was rejected, as an OTLP partial success.
import type { EventService } from '../events/event-log.js'
import { isDomainError } from '../shared/errors.js'
import type { MappedExport } from './log-records.js'
import type { LogsResponse } from './otlp-codec.js'

/** How many rejection messages the partial success quotes. */
const QUOTED = 3

export async function ingestLogExport (events: Pick<EventService, 'ingestBatch'>, mapped: MappedExport, maxBatch: number): Promise<LogsResponse> {
  const rejected = [...mapped.rejected]
  for (let start = 0; start < mapped.items.length; start += maxBatch) {
    const chunk = mapped.items.slice(start, start + maxBatch)
    // the event log names an item body/<index in the batch>: name the record instead
    const named = ({ index, message }: { index: number, message: string }) =>
      ({ path: mapped.paths[start + index], message: `${mapped.paths[start + index]}: ${message.replace(/^body\/\d+\/?/, '')}` })
    try {
      const outcome = await events.ingestBatch(chunk)
      rejected.push(...outcome.rejected.map(named))
    } catch (err) {
      // no record of the batch was valid: each is rejected, the export is still answered
      if (!isDomainError(err, 'invalid') || !Array.isArray(err.details.rejected)) throw err
      rejected.push(...(err.details.rejected as Array<{ index: number, message: string }>).map(named))
    }
  }
  if (rejected.length === 0) return {}
  // in the export's order (numeric: logRecords/2 before logRecords/10)
  rejected.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))
  const quoted = rejected.slice(0, QUOTED).map((r) => r.message).join('; ')
  return {
    partialSuccess: {
      rejectedLogRecords: rejected.length,
      errorMessage: rejected.length > QUOTED ? `${quoted}; and ${rejected.length - QUOTED} more` : quoted,
    },
  }
}
