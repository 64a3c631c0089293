// The live stream behind GET /stream: sources (events, audit, state changes, alerts) feed messages;
// each client gets those its filters pass, with an id that lets it resume. No Fastify here.
//
// A message id is the client's position in every kind it follows ("event:120.audit:7"): on reconnect,
// Last-Event-ID replays each kind from the store after that seq, bounded by replayLimit per kind.

export interface StreamMessage { kind: string, seq: number, type: string, data: unknown }

export interface StreamSource {
  kind: string
  /** calls emit for each new message, in seq order; returns an unsubscribe function */
  subscribe (emit: (m: StreamMessage) => void): () => void
  /** stored messages with seq > afterSeq, ascending, at most `limit` */
  replay (afterSeq: number, limit: number): Promise<StreamMessage[]>
}

/** What the hub needs of a connection (a raw HTTP response in production). */
export interface StreamSink {
  write (chunk: string): void
  /** bytes queued in user space, not yet handed to the kernel */
  bufferedBytes (): number
  close (): void
}

export interface StreamOptions { maxClients: number, maxBufferedBytes: number, heartbeatMs: number, replayLimit: number }
export interface StreamFilter {
  kinds?: string[]
  types?: string[]
  /** where to resume; a value decodeStreamId refuses is treated as none (the route refuses it first) */
  lastEventId?: string
  /** aborted when the connection goes away, replay included: the client's slot is released */
  signal?: AbortSignal
}

export function encodeStreamId (position: Map<string, number>): string {
  return [...position].map(([k, v]) => `${k}:${v}`).join('.')
}

/** at most this many kinds in an id: there are four today */
const MAX_ID_PARTS = 16

/**
 * The position an id names, or null when it is not one of ours: each part `kind:seq`, each kind once,
 * each seq a safe integer (a longer one would reach the store as a float and fail the replay).
 */
export function decodeStreamId (id: string | undefined): Map<string, number> | null {
  if (!id) return null
  const parts = id.split('.')
  if (parts.length > MAX_ID_PARTS) return null
  const out = new Map<string, number>()
  for (const part of parts) {
    const m = /^([a-z]{1,20}):(\d{1,16})$/.exec(part)
    if (!m || out.has(m[1])) return null
    const seq = Number(m[2])
    if (!Number.isSafeInteger(seq)) return null
    out.set(m[1], seq)
  }
  return out
}

const frame = (id: string, m: StreamMessage) => `id: ${id}\nevent: ${m.kind}\ndata: ${JSON.stringify({ type: m.type, seq: m.seq, data: m.data })}\n\n`

export class StreamFullError extends Error {
  override name = 'StreamFullError'
  constructor (readonly max: number) { super(`the stream serves at most ${max} clients; retry later`) }
}

export function createStreamHub (opts: StreamOptions) {
  const sources = new Map<string, StreamSource>()
  const clients = new Set<Client>()
  let slowDisconnects = 0
  let replayFailures = 0
  let sent = 0
  let peakBufferedBytes = 0

  class Client {
    position = new Map<string, number>()
    live = false
    backlog: StreamMessage[] = []
    closed = false
    constructor (readonly sink: StreamSink, readonly kinds: Set<string>, readonly types: Set<string> | null) {}

    deliver (m: StreamMessage) {
      if (this.closed || !this.kinds.has(m.kind)) return
      if (!this.live) {
        // while replay runs, live messages wait here, bounded like the socket buffer
        if (this.backlog.length >= opts.replayLimit * 4) { slowDisconnects++; this.close(); return }
        this.backlog.push(m)
        return
      }
      this.send(m)
    }

    send (m: StreamMessage) {
      const at = this.position.get(m.kind)
      if (at !== undefined && m.seq <= at) return // already replayed
      this.position.set(m.kind, m.seq)
      if (this.types && !this.types.has(m.type)) return
      this.write(frame(encodeStreamId(this.position), m))
      sent++
    }

    write (chunk: string) {
      if (this.closed) return
      // A client that cannot keep up is cut off rather than allowed to grow our memory.
      const buffered = this.sink.bufferedBytes()
      if (buffered + chunk.length > opts.maxBufferedBytes) {
        slowDisconnects++
        this.close()
        return
      }
      this.sink.write(chunk)
      if (buffered + chunk.length > peakBufferedBytes) peakBufferedBytes = buffered + chunk.length
    }

    close () {
      if (this.closed) return
      this.closed = true
      clients.delete(this)
      this.sink.close()
    }
  }

  const unsubscribers: Array<() => void> = []
  const heartbeat = setInterval(() => { for (const c of clients) c.write(': heartbeat\n\n') }, opts.heartbeatMs)
  heartbeat.unref()

  return {
    register (source: StreamSource) {
      sources.set(source.kind, source)
      unsubscribers.push(source.subscribe((m) => { for (const c of clients) c.deliver(m) }))
    },

    kinds: () => [...sources.keys()],

    /** Opens a client: replays what it missed (per Last-Event-ID), then streams live. */
    async connect (sink: StreamSink, filter: StreamFilter = {}) {
      if (clients.size >= opts.maxClients) throw new StreamFullError(opts.maxClients)
      const kinds = new Set((filter.kinds?.length ? filter.kinds : [...sources.keys()]).filter((k) => sources.has(k)))
      const client = new Client(sink, kinds, filter.types?.length ? new Set(filter.types) : null)
      clients.add(client)
      const { signal } = filter
      if (signal?.aborted) client.close()
      signal?.addEventListener('abort', () => client.close(), { once: true })
      const resume = decodeStreamId(filter.lastEventId)
      client.write('retry: 3000\n\n')
      try {
        if (resume) {
          for (const [kind, seq] of resume) {
            if (!kinds.has(kind) || client.closed) continue
            client.position.set(kind, seq)
            const missed = await sources.get(kind)!.replay(seq, opts.replayLimit)
            for (const m of missed) client.send(m)
          }
        }
      } catch (err) {
        // a failed replay must not keep the slot: the client is closed and may reconnect
        replayFailures++
        client.close()
        throw err
      }
      client.live = true
      for (const m of client.backlog.splice(0)) client.send(m)
      return { close: () => client.close() }
    },

    isFull: () => clients.size >= opts.maxClients,

    /** peakBufferedBytes: the most any one client ever had waiting in memory */
    stats: () => ({ clients: clients.size, slowDisconnects, replayFailures, sent, peakBufferedBytes }),
    /** whether any client is connected: sources skip building messages nobody would get */
    hasClients: () => clients.size > 0,

    close () {
      clearInterval(heartbeat)
      for (const u of unsubscribers) u()
      for (const c of [...clients]) c.close()
    },
  }
}

export type StreamHub = ReturnType<typeof createStreamHub>
