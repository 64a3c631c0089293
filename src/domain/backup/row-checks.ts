// What an imported row must be, table by table: the same rules the API applies to what it stores
// (known kinds, severities and outcomes, JSON payloads, dates in range). A check throws a plain
// Error naming the column; the import adds the line number.
import { ACTOR_TYPES, OUTCOMES } from '../audit/hash-chain.js'
import { SEVERITIES, severityNumber, type Severity } from '../shared/names.js'
import { AGENT_STATUSES, MODEL_STATUSES, TASK_STATUSES } from '../context/status-rules.js'

type Row = Record<string, unknown>
export type RowCheck = (row: Row, table: string) => void

// 'unknown' is the outcome of an original-design audit entry that names none
const AUDIT_OUTCOMES: readonly string[] = [...OUTCOMES, 'unknown']
const MIN_MS = Date.UTC(1970, 0, 1)
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const HEX64 = /^[0-9a-f]{64}$/
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

const fail = (table: string, col: string, why: string): never => { throw new Error(`${table}.${col} ${why}`) }

function str (row: Row, t: string, col: string, o: { nullable?: boolean, max?: number, pattern?: RegExp } = {}): void {
  const v = row[col]
  if (v === null || v === undefined) { if (o.nullable) return; fail(t, col, 'is required') }
  if (typeof v !== 'string') fail(t, col, 'must be a string')
  const s = v as string
  if (!o.nullable && s.length === 0) fail(t, col, 'must not be empty')
  if (o.max !== undefined && s.length > o.max) fail(t, col, `must be at most ${o.max} characters`)
  if (o.pattern && !o.pattern.test(s)) fail(t, col, `must match ${o.pattern.source}`)
}

function int (row: Row, t: string, col: string, o: { nullable?: boolean, min?: number, max?: number } = {}): void {
  const v = row[col]
  if (v === null || v === undefined) { if (o.nullable) return; fail(t, col, 'is required') }
  if (!Number.isSafeInteger(v)) fail(t, col, 'must be an integer')
  if ((o.min !== undefined && (v as number) < o.min) || (o.max !== undefined && (v as number) > o.max)) fail(t, col, `must be between ${o.min} and ${o.max}`)
}

function date (row: Row, t: string, col: string, nullable = false): number | null {
  const v = row[col]
  if (v === null || v === undefined) { if (nullable) return null; fail(t, col, 'is required') }
  const ms = typeof v === 'string' ? Date.parse(v) : NaN
  if (!(ms >= MIN_MS && ms <= MAX_MS)) fail(t, col, 'must be an RFC 3339 date between 1970 and 9999')
  return ms
}

type JsonShape = 'any' | 'object' | 'array' | 'object or null'
function json (row: Row, t: string, col: string, shape: JsonShape): void {
  const v = row[col]
  if (shape === 'object or null' && (v === null || v === undefined)) return
  if (typeof v !== 'string') fail(t, col, 'must be JSON text')
  let parsed: unknown
  try { parsed = JSON.parse(v as string) } catch { fail(t, col, 'is not valid JSON') }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
  if (shape === 'object' && !isObject) fail(t, col, 'must be a JSON object')
  if (shape === 'object or null' && !isObject && parsed !== null) fail(t, col, 'must be a JSON object or null')
  if (shape === 'array' && !Array.isArray(parsed)) fail(t, col, 'must be a JSON array')
}

function oneOf (row: Row, t: string, col: string, values: readonly string[], nullable = false): void {
  const v = row[col]
  if ((v === null || v === undefined) && nullable) return
  if (typeof v !== 'string' || !values.includes(v)) fail(t, col, `must be one of ${values.join(', ')}`)
}

const checkEvent: RowCheck = (r, t) => {
  str(r, t, 'id', { max: 200 })
  int(r, t, 'seq', { nullable: true, min: 1 })
  str(r, t, 'type', { max: 200 })
  str(r, t, 'source', { nullable: true, max: 200 })
  oneOf(r, t, 'severity', SEVERITIES, true)
  const expected = typeof r.severity === 'string' ? severityNumber(r.severity as Severity) : null
  if ((r.severity_number ?? null) !== expected) fail(t, 'severity_number', `must be ${String(expected)} for severity ${String(r.severity ?? null)}`)
  date(r, t, 'time', true)
  str(r, t, 'producer_id', { nullable: true, max: 200 })
  str(r, t, 'traceparent', { nullable: true, pattern: TRACEPARENT })
  json(r, t, 'payload', 'any')
  // added by the original-design compatibility work: unknown top-level fields of an event
  if ('attributes' in r) json(r, t, 'attributes', 'object or null')
  int(r, t, 'received_at', { min: MIN_MS, max: MAX_MS })
}

const checkAuditEntry: RowCheck = (r, t) => {
  int(r, t, 'seq', { min: 1 })
  str(r, t, 'id', { max: 200 })
  const ms = date(r, t, 'time')
  // time queries filter on time_ms: it must say what the hashed time says
  if (r.time_ms !== ms) fail(t, 'time_ms', `must be ${String(ms)}, the time ${String(r.time)} in epoch milliseconds`)
  oneOf(r, t, 'actor_type', ACTOR_TYPES)
  str(r, t, 'actor_id', { max: 200 })
  str(r, t, 'action', { max: 200 })
  oneOf(r, t, 'outcome', AUDIT_OUTCOMES)
  json(r, t, 'metadata', 'object')
  str(r, t, 'submitted_by')
  str(r, t, 'prev_hash', { pattern: HEX64 })
  str(r, t, 'hash', { pattern: HEX64 })
}

const checkCheckpoint: RowCheck = (r, t) => {
  int(r, t, 'seq', { min: 1 })
  str(r, t, 'hash', { pattern: HEX64 })
  date(r, t, 'time')
  str(r, t, 'key_id', { pattern: /^[0-9a-f]{16}$/ })
  str(r, t, 'signature', { max: 200 })
}

const contextItem = (statuses: readonly string[]): RowCheck => (r, t) => {
  str(r, t, 'id', { max: 200 })
  str(r, t, 'name', { max: 200 })
  oneOf(r, t, 'status', statuses)
  json(r, t, 'doc', 'object')
  date(r, t, 'created_at')
  date(r, t, 'updated_at')
}

const checkAgentToken: RowCheck = (r, t) => {
  str(r, t, 'id', { max: 200 })
  str(r, t, 'agent_id', { max: 200 })
  str(r, t, 'name', { max: 200 })
  json(r, t, 'scopes', 'array')
  str(r, t, 'secret_hash')
  date(r, t, 'created_at')
  str(r, t, 'created_by')
  for (const c of ['expires_at', 'revoked_at', 'last_used_at']) date(r, t, c, true)
}

const checkStoredService: RowCheck = (r, t) => {
  str(r, t, 'name', { max: 200 })
  json(r, t, 'definition', 'object')
  int(r, t, 'created_at', { min: MIN_MS, max: MAX_MS })
  int(r, t, 'updated_at', { min: MIN_MS, max: MAX_MS })
}

const checkNotifierDefinition: RowCheck = (r, t) => {
  oneOf(r, t, 'kind', ['channel', 'rule', 'silence', 'maintenance'])
  str(r, t, 'id', { max: 200 })
  json(r, t, 'spec', 'object')
  int(r, t, 'updated_at', { min: MIN_MS, max: MAX_MS })
}

/** The check of each table a backup holds; a table without one is refused (it would be stored unchecked). */
export const ROW_CHECKS: Record<string, RowCheck> = {
  events: checkEvent,
  audit_entries: checkAuditEntry,
  audit_checkpoints: checkCheckpoint,
  context_models: contextItem(MODEL_STATUSES),
  context_agents: contextItem(AGENT_STATUSES),
  context_tasks: contextItem(TASK_STATUSES),
  agent_tokens: checkAgentToken,
  health_services: checkStoredService,
  notifier_definitions: checkNotifierDefinition,
}
