// Value lists more than one layer speaks (schemas, domain, store engines): one definition each.

/** OpenTelemetry severity texts, in SeverityNumber order. */
export const SEVERITIES = [
  'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4',
  'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4',
  'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4',
] as const
export type Severity = typeof SEVERITIES[number]
/** OpenTelemetry SeverityNumber: TRACE=1 … FATAL4=24. */
export const severityNumber = (s: Severity): number => SEVERITIES.indexOf(s) + 1

/** A monitored service's state. */
export const SERVICE_STATES = ['unknown', 'up', 'degraded', 'down', 'paused'] as const
export type ServiceState = typeof SERVICE_STATES[number]

/** The kinds of the context registry (the original design's "contexto global"). */
export const CONTEXT_KINDS = ['models', 'agents', 'tasks'] as const
export type ContextKind = typeof CONTEXT_KINDS[number]

/** Severity words clients of the original design (and most loggers) send, beside the OpenTelemetry texts. */
export const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = { WARNING: 'WARN', CRITICAL: 'FATAL', ERR: 'ERROR' }

/** An OpenTelemetry severity text from any case of one, or of an alias; undefined when unknown. */
export function severityFrom (text: string): Severity | undefined {
  const upper = text.toUpperCase()
  if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity
  return SEVERITY_ALIASES[upper]
}
