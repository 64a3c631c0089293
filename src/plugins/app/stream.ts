// The live stream: decorates `stream` (the hub of Server-Sent Events clients). Each area registers
// a source for its kind; this plugin registers the events source.
import fp from 'fastify-plugin'
import { scheduleRetention } from '../../http/periodic-job.js'
import type { FastifyInstance } from 'fastify'
import { createStreamHub, type StreamHub, type StreamMessage, type StreamSource } from '../../domain/stream/stream-hub.js'

const DAY = 86_400_000

/**
 * A kind without a table of its own: each happening is appended to the stream log (for replay), then
 * sent live with the log's seq. Kept 7 days.
 */
export function registerLoggedKind (app: FastifyInstance, hub: StreamHub, kind: string, listen: (emit: (type: string, data: unknown) => void) => () => void) {
  const replay = async (afterSeq: number, limit: number) => (await app.store.streamLog.after(kind, afterSeq, limit)).map((e) => ({ kind, seq: e.seq, type: e.type, data: e.data }))
  hub.register({
    kind,
    subscribe: (emit) => {
      const unlisten = listen((type, data) => {
        app.store.streamLog.append(kind, type, data)
          // on PostgreSQL the row comes back by notification, to every instance alike
          .then((seq) => { if (!app.cluster.onStream) emit({ kind, seq, type, data }) })
          .catch((err) => app.log.warn({ err, kind }, 'stream log append failed'))
      })
      const unshared = fromEveryInstance(app, kind, replay, emit)
      return () => { unlisten(); unshared() }
    },
    replay,
  })
}

/**
 * Several instances on one PostgreSQL database: rows of `kind` committed by any of them are announced
 * (seqs from..to), read back in the order announced, and sent to this instance's clients.
 */
function fromEveryInstance (app: FastifyInstance, kind: string, replay: StreamSource['replay'], emit: (m: StreamMessage) => void): () => void {
  if (!app.cluster.onStream) return () => {}
  let reading = Promise.resolve()
  return app.cluster.onStream(kind, (from, to) => {
    if (!app.stream?.hasClients()) return
    reading = reading
      .then(async () => { for (const m of await replay(from - 1, to - from + 1)) emit(m) })
      .catch((err) => app.log.warn({ err, kind }, 'stream: reading announced rows failed'))
  })
}

declare module 'fastify' {
  interface FastifyInstance { stream: StreamHub }
}

export default fp(async (app) => {
  const { config } = app
  const hub = createStreamHub({
    maxClients: config.streamMaxClients,
    maxBufferedBytes: config.streamBufferBytes,
    heartbeatMs: config.streamHeartbeatMs,
    replayLimit: config.streamReplayMax,
  })
  // on SQLite the bus carries what this process stored; on PostgreSQL notifications carry every instance's rows
  const shared = app.cluster.onStream !== null
  const replayEvents: StreamSource['replay'] = async (afterSeq, limit) => (await app.store.events.query({ afterSeq, order: 'asc', limit }))
    .map((e) => ({ kind: 'event', seq: e.seq, type: e.type, data: e }))
  hub.register({
    kind: 'event',
    subscribe: (emit) => shared
      ? fromEveryInstance(app, 'event', replayEvents, emit)
      : app.bus.subscribe('event.stored', ({ events }) => {
        if (!hub.hasClients()) return
        for (const e of events) emit({ kind: 'event', seq: e.seq, type: e.type, data: e })
      }),
    replay: replayEvents,
  })
  const replayAudit: StreamSource['replay'] = async (afterSeq, limit) => (await app.store.audit.range(afterSeq + 1, Number.MAX_SAFE_INTEGER, limit))
    .map((e) => ({ kind: 'audit', seq: e.seq, type: e.action, data: e }))
  hub.register({
    kind: 'audit',
    subscribe: (emit) => shared
      ? fromEveryInstance(app, 'audit', replayAudit, emit)
      : app.bus.subscribe('audit.appended', ({ entries }) => {
        if (!hub.hasClients()) return
        for (const e of entries) emit({ kind: 'audit', seq: e.seq, type: e.action, data: e })
      }),
    replay: replayAudit,
  })
  registerLoggedKind(app, hub, 'state', (emit) => app.bus.subscribe('service.transition', (t) => emit(t.to, t)))
  registerLoggedKind(app, hub, 'alert', (emit) => app.bus.subscribe('alert.changed', ({ alert, status }) => emit(status, alert)))
  app.decorate('stream', hub)
  // streams never end by themselves: close them first so the server can stop
  const retention = scheduleRetention(app, 'stream log', 3_600_000, async () => { await app.store.streamLog.prune(Date.now() - 7 * DAY) })
  app.addHook('preClose', async () => { hub.close(); await retention.stop() })
}, { name: 'stream', dependencies: ['config', 'store', 'cluster', 'bus'] })
