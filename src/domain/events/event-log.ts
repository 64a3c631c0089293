// The event log: validates and normalises incoming events, stores them through the storage port,
// and publishes what was stored. No Fastify here.
import { monotonicFactory } from 'ulidx'
import { pooledRandom } from '../shared/random.js'
import type { Bus } from '../shared/bus.js'
import type { EventFilter, NewEvent, StoredEvent } from '../../store/ports/events.js'
import type { Store } from '../../store/ports/store.js'
import { EVENT_FIELDS, EventInput, type EventInputT, type EventQueryT } from '../../schemas/events.js'
import { compileValidator } from '../shared/validation.js'
import { parseProducerTime } from '../shared/producer-time.js'
import { depthMessage, exceedsJsonDepth } from '../shared/json-depth.js'
import { SEVERITIES, severityFrom } from '../shared/names.js'
import { invalid, tooLarge } from '../shared/errors.js'
import { cursorCodec } from '../shared/cursor.js'

declare module '../shared/bus.js' {
  interface BusTopics {
    /** events committed to the store, in seq order */
    'event.stored': { events: StoredEvent[] }
    /** events deleted by retention */
    'events.pruned': { count: number }
  }
}

export interface EventServiceOptions {
  store: Store
  bus: Bus
  maxBatch: number
  maxEventBytes: number
  /** how many attributes (unknown top-level fields included) an event may carry */
  maxAttributes: number
  /** how large an event's attributes may be, as JSON */
  maxAttributesBytes: number
}

export interface BatchOutcome {
  accepted: Array<{ index: number, id: string, duplicate: boolean }>
  rejected: Array<{ index: number, message: string }>
}

interface Prepared { row: NewEvent, payload: unknown, attributes: Record<string, unknown> | null }

const validator = compileValidator<EventInputT>(EventInput)
const cursor = cursorCodec('e1.')
const KNOWN_FIELDS = new Set<string>(EVENT_FIELDS)
const SEVERITY_WORDS = `${SEVERITIES[0]} … ${SEVERITIES[SEVERITIES.length - 1]} in any case, or error, warn, warning, critical`

/** UTF-8 bytes of a JSON text, counted only when it could be over `max` (a UTF-16 unit is at most 3 bytes). */
const jsonBytes = (json: string, max: number) => json.length * 3 <= max ? 0 : Buffer.byteLength(json)

/** The body's time (sent as time or timestamp), null when none; or why it is refused. */
function producerTimeOf (item: unknown, path: string): { text: string | null } | string {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { text: null }
  const { time, timestamp } = item as Record<string, unknown>
  if (time !== undefined && timestamp !== undefined) return `${path}/timestamp and ${path}/time are the same field; send one`
  if (time === undefined && timestamp === undefined) return { text: null }
  const parsed = parseProducerTime(time ?? timestamp)
  return typeof parsed === 'string' ? `${path}/${time !== undefined ? 'time' : 'timestamp'} ${parsed}` : parsed
}

export function createEventService (opts: EventServiceOptions) {
  const { store, bus, maxBatch, maxEventBytes, maxAttributes, maxAttributesBytes } = opts
  const nextId = monotonicFactory(pooledRandom())

  /** The body's attributes with its unknown top-level fields added; or why they are refused. */
  function attributesOf (item: EventInputT & Record<string, unknown>, path: string): { attributes: Record<string, unknown> | null, json: string | null } | string {
    const entries = item.attributes ? Object.entries(item.attributes) : []
    for (const key of Object.keys(item)) {
      if (KNOWN_FIELDS.has(key)) continue
      if (item.attributes && Object.hasOwn(item.attributes, key)) return `${path}/${key} is both a top-level field and an attribute; send it once`
      entries.push([key, item[key]])
    }
    if (entries.length === 0) return { attributes: null, json: null }
    if (entries.length > maxAttributes) return `${path}/attributes holds ${entries.length} fields (unknown top-level fields included); the limit is ${maxAttributes} (MCP_EVENT_ATTRIBUTES_MAX)`
    // fromEntries defines keys as data: a "__proto__" key stays a key
    const attributes = Object.fromEntries(entries)
    if (exceedsJsonDepth(attributes)) return `${path}/attributes ${depthMessage()}`
    const json = JSON.stringify(attributes)
    const size = jsonBytes(json, maxAttributesBytes)
    if (size > maxAttributesBytes) return `${path}/attributes is ${size} bytes; the limit is ${maxAttributesBytes} (MCP_EVENT_ATTRIBUTES_MAX_BYTES)`
    return { attributes, json }
  }

  /** Validates one item; returns the row to store or the reason it is refused. */
  function prepare (item: unknown, path: string, receivedAt: number): Prepared | string {
    // the time first: its parser says what is wrong with it better than the schema's union can
    const time = producerTimeOf(item, path)
    if (typeof time === 'string') return time
    if (!validator.check(item)) return validator.firstError(item, path)!
    let severity = null
    if (item.severity !== undefined) {
      severity = severityFrom(item.severity) ?? null
      if (!severity) return `${path}/severity must be one of ${SEVERITY_WORDS}`
    }
    if (exceedsJsonDepth(item.payload)) return `${path}/payload ${depthMessage()}`
    const attrs = attributesOf(item as EventInputT & Record<string, unknown>, path)
    if (typeof attrs === 'string') return attrs
    const payloadJson = item.payload === undefined ? '{}' : JSON.stringify(item.payload)
    const size = jsonBytes(payloadJson, maxEventBytes)
    if (size > maxEventBytes) return `${path}/payload is ${size} bytes; the limit is ${maxEventBytes} (MCP_EVENT_MAX_BYTES)`
    const row: NewEvent = {
      id: nextId(receivedAt),
      type: item.type,
      source: item.source ?? null,
      severity,
      time: time.text,
      producerId: item.id ?? null,
      traceparent: item.traceparent ?? null,
      payloadJson,
      attributesJson: attrs.json,
      receivedAt,
    }
    return { row, payload: item.payload === undefined ? {} : item.payload, attributes: attrs.attributes }
  }

  // the payload object we already hold stands for the stored JSON: no parse on the way out
  // (`receivedAt` is passed formatted: a batch shares one receive time, formatted once)
  const toStored = ({ row: e, payload, attributes }: Prepared, seq: number, receivedAt: string): StoredEvent => ({
    id: e.id,
    seq,
    type: e.type,
    source: e.source,
    severity: e.severity,
    time: e.time,
    producerId: e.producerId,
    traceparent: e.traceparent,
    payload,
    attributes,
    receivedAt,
  })

  return {
    /** Stores one event. Resolves once committed; `duplicate` when source+id was already stored. */
    async ingestOne (item: unknown): Promise<{ event: StoredEvent, duplicate: boolean }> {
      const prepared = prepare(item, 'body', Date.now())
      if (typeof prepared === 'string') throw invalid(prepared)
      const [outcome] = await store.events.append([prepared.row])
      if (outcome.duplicate) {
        const existing = await store.events.get(outcome.id)
        if (!existing) throw new Error(`duplicate event ${outcome.id} vanished`)
        return { event: existing, duplicate: true }
      }
      const event = toStored(prepared, outcome.seq, new Date(prepared.row.receivedAt).toISOString())
      bus.publish('event.stored', { events: [event] })
      return { event, duplicate: false }
    },

    /** Stores the valid items of a batch in one commit and reports each item. */
    async ingestBatch (items: unknown[]): Promise<BatchOutcome> {
      if (items.length === 0) throw invalid('body is an empty batch: send one event, or an array of at least one')
      if (items.length > maxBatch) throw tooLarge(`body holds ${items.length} events; the limit is ${maxBatch} (MCP_EVENTS_MAX_BATCH)`)
      const receivedAt = Date.now()
      const valid: Prepared[] = []
      const rows: NewEvent[] = []
      const indexes: number[] = []
      const rejected: BatchOutcome['rejected'] = []
      for (let index = 0; index < items.length; index++) {
        const prepared = prepare(items[index], `body/${index}`, receivedAt)
        if (typeof prepared === 'string') rejected.push({ index, message: prepared })
        else { valid.push(prepared); rows.push(prepared.row); indexes.push(index) }
      }
      if (valid.length === 0) {
        throw invalid(`no event of the batch is valid; first: ${rejected[0].message}`, { rejected })
      }
      const outcomes = await store.events.append(rows)
      const receivedIso = new Date(receivedAt).toISOString()
      const accepted: BatchOutcome['accepted'] = new Array(outcomes.length)
      const fresh: StoredEvent[] = []
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]
        accepted[i] = { index: indexes[i], id: o.id, duplicate: o.duplicate }
        if (!o.duplicate) fresh.push(toStored(valid[i], o.seq, receivedIso))
      }
      if (fresh.length > 0) bus.publish('event.stored', { events: fresh })
      return { accepted, rejected }
    },

    async query (q: EventQueryT): Promise<{ events: StoredEvent[], nextCursor: string | null }> {
      const filter: EventFilter = {
        type: q.type,
        source: q.source,
        severity: q.severity,
        minSeverity: q.minSeverity,
        since: q.since ? Date.parse(q.since) : undefined,
        until: q.until ? Date.parse(q.until) : undefined,
        beforeSeq: q.cursor ? cursor.decodeSeq(q.cursor) : undefined,
        limit: q.limit,
      }
      // one extra row tells whether another page exists
      const rows = await store.events.query({ ...filter, limit: q.limit + 1 })
      const page = rows.slice(0, q.limit)
      return { events: page, nextCursor: rows.length > q.limit ? cursor.encode(page[page.length - 1].seq) : null }
    },

    get: (id: string) => store.events.get(id),
    count: () => store.events.count(),
    prune: (before: number) => store.events.prune(before),
  }
}

export type EventService = ReturnType<typeof createEventService>
