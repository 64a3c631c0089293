// The event log: validates and normalises incoming events, stores them through the storage port,
// and publishes what was stored. No Fastify here.
import { monotonicFactory } from 'ulidx'
import { pooledRandom } from '../shared/random.js'
import type { Bus } from '../shared/bus.js'
import type { EventFilter, NewEvent, StoredEvent } from '../../store/ports/events.js'
import type { Store } from '../../store/ports/store.js'
import { EventInput, type EventInputT, type EventQueryT } from '../../schemas/events.js'
import { compileValidator } from '../shared/validation.js'
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

export interface EventServiceOptions { store: Store, bus: Bus, maxBatch: number, maxEventBytes: number }

export interface BatchOutcome {
  accepted: Array<{ index: number, id: string, duplicate: boolean }>
  rejected: Array<{ index: number, message: string }>
}

interface Prepared { row: NewEvent, payload: Record<string, unknown> }

const validator = compileValidator<EventInputT>(EventInput)
const cursor = cursorCodec('e1.')

export function createEventService (opts: EventServiceOptions) {
  const { store, bus, maxBatch, maxEventBytes } = opts
  const nextId = monotonicFactory(pooledRandom())

  /** Validates one item; returns the row to store or the reason it is refused. */
  function prepare (item: unknown, path: string, receivedAt: number): Prepared | string {
    if (!validator.check(item)) return validator.firstError(item, path)!
    const payloadJson = item.payload === undefined ? '{}' : JSON.stringify(item.payload)
    // a UTF-16 unit is at most 3 UTF-8 bytes: most payloads are cleared without counting their bytes
    const size = payloadJson.length * 3 <= maxEventBytes ? 0 : Buffer.byteLength(payloadJson)
    if (size > maxEventBytes) return `${path}/payload is ${size} bytes; the limit is ${maxEventBytes} (MCP_EVENT_MAX_BYTES)`
    const row: NewEvent = {
      id: nextId(receivedAt),
      type: item.type,
      source: item.source ?? null,
      severity: item.severity ?? null,
      time: item.time ?? null,
      producerId: item.id ?? null,
      traceparent: item.traceparent ?? null,
      payloadJson,
      receivedAt,
    }
    return { row, payload: item.payload ?? {} }
  }

  // the payload object we already hold stands for the stored JSON: no parse on the way out
  // (`receivedAt` is passed formatted: a batch shares one receive time, formatted once)
  const toStored = ({ row: e, payload }: Prepared, seq: number, receivedAt: string): StoredEvent => ({
    id: e.id,
    seq,
    type: e.type,
    source: e.source,
    severity: e.severity,
    time: e.time,
    producerId: e.producerId,
    traceparent: e.traceparent,
    payload,
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
      if (items.length === 0) throw invalid('body must hold at least one event')
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
