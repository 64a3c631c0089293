// OTLP log records → event inputs of the event log (docs/otlp.md has the mapping). Reads the plain
// object of an ExportLogsServiceRequest, as OTLP/JSON sends it or as otlp-codec.ts decodes protobuf;
// the two differ only in how trace and span ids are written (hex in JSON, base64 once decoded).
// A malformed envelope (resourceLogs, scopeLogs, logRecords not lists) refuses the whole export; a
// malformed record is rejected alone and counted in the partial success.
import { invalid } from '../shared/errors.js'
import { MAX_JSON_DEPTH } from '../shared/json-depth.js'
import { SEVERITIES, severityFrom } from '../shared/names.js'

export type IdEncoding = 'hex' | 'base64'
type Obj = Record<string, unknown>

/** The type of a record with neither an eventName nor an event.name attribute. */
export const FALLBACK_TYPE = 'log'
/** The attribute whose value becomes the producer id (OpenTelemetry semantic conventions: log.record.uid). */
export const UID_ATTRIBUTE = 'log.record.uid'

export interface MappedExport {
  /** one event input per accepted record, in order */
  items: Obj[]
  /** where each item came from, e.g. resourceLogs/0/scopeLogs/1/logRecords/7 */
  paths: string[]
  /** the records rejected while mapping: where, and why (the message names the field) */
  rejected: Array<{ path: string, message: string }>
}

class RecordRejected extends Error {}

const NANOS = /^\d{1,20}$/
const HEX = /^[0-9a-f]+$/

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)

function listAt (parent: Obj, key: string, path: string): unknown[] {
  const v = parent[key]
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw invalid(`${path}/${key} must be an array`)
  return v
}

/** An int64 as a number when exact, else its decimal string. */
function int64 (v: unknown, path: string): number | string {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : v
  }
  throw new RecordRejected(`${path} must be an int64 (an integer or its decimal string)`)
}

/** An AnyValue as JSON: kvlists become objects, bytes stay base64. */
function anyValue (v: unknown, path: string, depth: number): unknown {
  if (v === undefined || v === null) return null
  if (!isObj(v)) throw new RecordRejected(`${path} must be an AnyValue object`)
  if (depth > MAX_JSON_DEPTH) {
    // the value's path down to the bound would be longer than useful: name the outermost value
    throw new RecordRejected(`${path.replace(/\/(kvlistValue|arrayValue)\/.*$/, '')} is nested deeper than ${MAX_JSON_DEPTH} levels (the JSON depth bound)`)
  }
  if (v.stringValue !== undefined) {
    if (typeof v.stringValue !== 'string') throw new RecordRejected(`${path}/stringValue must be a string`)
    return v.stringValue
  }
  if (v.boolValue !== undefined) {
    if (typeof v.boolValue !== 'boolean') throw new RecordRejected(`${path}/boolValue must be a boolean`)
    return v.boolValue
  }
  if (v.intValue !== undefined) return int64(v.intValue, `${path}/intValue`)
  if (v.doubleValue !== undefined) {
    if (typeof v.doubleValue === 'number') return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue)
    // proto3 JSON writes the non-finite doubles as strings; JSON cannot hold them as numbers
    if (typeof v.doubleValue === 'string' && /^(NaN|-?Infinity)$/.test(v.doubleValue)) return v.doubleValue
    throw new RecordRejected(`${path}/doubleValue must be a number`)
  }
  if (v.bytesValue !== undefined) {
    if (typeof v.bytesValue !== 'string') throw new RecordRejected(`${path}/bytesValue must be a base64 string`)
    return v.bytesValue
  }
  if (v.arrayValue !== undefined) {
    if (!isObj(v.arrayValue)) throw new RecordRejected(`${path}/arrayValue must be an object`)
    const values = v.arrayValue.values ?? []
    if (!Array.isArray(values)) throw new RecordRejected(`${path}/arrayValue/values must be an array`)
    return values.map((x, i) => anyValue(x, `${path}/arrayValue/values/${i}`, depth + 1))
  }
  if (v.kvlistValue !== undefined) {
    if (!isObj(v.kvlistValue)) throw new RecordRejected(`${path}/kvlistValue must be an object`)
    return keyValues(v.kvlistValue.values, `${path}/kvlistValue/values`, depth + 1)
  }
  return null
}

/** A KeyValue list as an object (keys defined as data: a "__proto__" key stays a key). */
function keyValues (list: unknown, path: string, depth = 1): Obj {
  if (list === undefined || list === null) return {}
  if (!Array.isArray(list)) throw new RecordRejected(`${path} must be an array of KeyValue`)
  return Object.fromEntries(list.map((kv, i) => {
    if (!isObj(kv) || typeof kv.key !== 'string') throw new RecordRejected(`${path}/${i} must be a KeyValue with a string key`)
    return [kv.key, anyValue(kv.value, `${path}/${i}/value`, depth)]
  }))
}

/** An RFC 3339 time with the nanoseconds of a fixed64 of Unix nanoseconds; null for 0 or none. */
function timeOf (v: unknown, path: string): string | null {
  if (v === undefined || v === null || v === 0 || v === '0' || v === '') return null
  // a JSON number this large has lost its last digits already; it is read as it came
  if (!((typeof v === 'string' && NANOS.test(v)) || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e20))) {
    throw new RecordRejected(`${path} must be Unix nanoseconds, a non-negative integer or its decimal string`)
  }
  // decimal digits, not BigInt: the milliseconds and the nine fractional digits are slices of them
  const digits = (typeof v === 'string' ? v : BigInt(v).toString()).padStart(10, '0')
  const ms = Number(digits.slice(0, -6))
  if (ms > 253_402_300_799_999) throw new RecordRejected(`${path} is out of range (after 9999-12-31)`)
  return `${new Date(ms).toISOString().slice(0, -5)}.${digits.slice(-9)}Z`
}

function idHex (v: unknown, encoding: IdEncoding, bytes: number, path: string): string | null {
  if (v === undefined || v === null || v === '') return null
  if (typeof v !== 'string') throw new RecordRejected(`${path} must be a string`)
  const hex = encoding === 'hex' ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex')
  if (hex.length !== bytes * 2 || !HEX.test(hex)) throw new RecordRejected(`${path} must be ${bytes} bytes (${bytes * 2} hex digits)`)
  return /^0+$/.test(hex) ? null : hex
}

function severityOf (record: Obj, path: string): { severity: string | null, text: string | null } {
  const text = typeof record.severityText === 'string' && record.severityText !== '' ? record.severityText : null
  let n = record.severityNumber
  // proto3 JSON may name the enum value instead of numbering it
  if (typeof n === 'string') n = n.startsWith('SEVERITY_NUMBER_') ? severityFrom(n.slice(16)) ?? n : n
  if (typeof n === 'string' && (SEVERITIES as readonly string[]).includes(n)) return { severity: n, text }
  if (n !== undefined && n !== null && n !== 0 && n !== 'SEVERITY_NUMBER_UNSPECIFIED') {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 24) throw new RecordRejected(`${path}/severityNumber must be 0 to 24`)
    return { severity: SEVERITIES[n - 1], text }
  }
  return { severity: text ? severityFrom(text) ?? null : null, text }
}

interface Shared { source: string | undefined, resource: Obj | undefined, scope: Obj | undefined }

function mapRecord (record: unknown, shared: Shared, encoding: IdEncoding, path: string): Obj {
  if (!isObj(record)) throw new RecordRejected(`${path} must be a LogRecord object`)
  const attributes = keyValues(record.attributes, `${path}/attributes`)
  const item: Obj = {}
  const eventName = typeof record.eventName === 'string' && record.eventName !== '' ? record.eventName : attributes['event.name']
  item.type = typeof eventName === 'string' && eventName !== '' ? eventName : FALLBACK_TYPE
  if (shared.source !== undefined) item.source = shared.source
  const { severity, text } = severityOf(record, path)
  if (severity) item.severity = severity
  const time = timeOf(record.timeUnixNano, `${path}/timeUnixNano`) ?? timeOf(record.observedTimeUnixNano, `${path}/observedTimeUnixNano`)
  if (time) item.time = time
  const traceId = idHex(record.traceId, encoding, 16, `${path}/traceId`)
  const spanId = idHex(record.spanId, encoding, 8, `${path}/spanId`)
  if (traceId && spanId) {
    const flags = typeof record.flags === 'number' ? record.flags & 0xff : 0
    item.traceparent = `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`
  }
  const uid = attributes[UID_ATTRIBUTE]
  if (typeof uid === 'string' && uid !== '') item.id = uid
  const payload: Obj = {}
  if (record.body !== undefined && record.body !== null) payload.body = anyValue(record.body, `${path}/body`, 1)
  if (Object.keys(attributes).length > 0) payload.attributes = attributes
  if (text !== null && text !== severity) payload.severityText = text
  if (traceId && !spanId) payload.traceId = traceId
  if (shared.resource) payload.resource = shared.resource
  if (shared.scope) payload.scope = shared.scope
  item.payload = payload
  return item
}

/** The event inputs of an export, and the records rejected on the way; throws 400 on a malformed envelope. */
export function mapLogExport (body: unknown, encoding: IdEncoding): MappedExport {
  if (!isObj(body)) throw invalid('body must be an ExportLogsServiceRequest object')
  const out: MappedExport = { items: [], paths: [], rejected: [] }
  listAt(body, 'resourceLogs', 'body').forEach((rl, r) => {
    const rPath = `resourceLogs/${r}`
    if (!isObj(rl)) throw invalid(`body/${rPath} must be a ResourceLogs object`)
    const scopes = listAt(rl, 'scopeLogs', `body/${rPath}`)
    // a resource or scope that cannot be read sinks its records, not the export
    let resourceError: string | null = null
    const shared: Shared = { source: undefined, resource: undefined, scope: undefined }
    try {
      const resource = isObj(rl.resource) ? keyValues(rl.resource.attributes, `${rPath}/resource/attributes`) : {}
      if (typeof resource['service.name'] === 'string' && resource['service.name'] !== '') shared.source = resource['service.name']
      if (Object.keys(resource).length > 0) shared.resource = resource
    } catch (err) {
      if (!(err instanceof RecordRejected)) throw err
      resourceError = err.message
    }
    scopes.forEach((sl, s) => {
      const sPath = `${rPath}/scopeLogs/${s}`
      if (!isObj(sl)) throw invalid(`body/${sPath} must be a ScopeLogs object`)
      const records = listAt(sl, 'logRecords', `body/${sPath}`)
      let scopeError = resourceError
      let scope: Obj | undefined
      if (!scopeError && isObj(sl.scope)) {
        try {
          const attrs = keyValues(sl.scope.attributes, `${sPath}/scope/attributes`)
          scope = {}
          if (typeof sl.scope.name === 'string' && sl.scope.name !== '') scope.name = sl.scope.name
          if (typeof sl.scope.version === 'string' && sl.scope.version !== '') scope.version = sl.scope.version
          if (Object.keys(attrs).length > 0) scope.attributes = attrs
          if (Object.keys(scope).length === 0) scope = undefined
        } catch (err) {
          if (!(err instanceof RecordRejected)) throw err
          scopeError = err.message
        }
      }
      records.forEach((record, i) => {
        const path = `${sPath}/logRecords/${i}`
        if (scopeError) return out.rejected.push({ path, message: scopeError })
        try {
          out.items.push(mapRecord(record, { ...shared, scope }, encoding, path))
          out.paths.push(path)
        } catch (err) {
          if (!(err instanceof RecordRejected)) throw err
          out.rejected.push({ path, message: err.message })
        }
      })
    })
  })
  return out
}
