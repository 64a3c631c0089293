// The live stream: decorates `stream` (the hub of Server-Sent Events clients). Each area registers
// a source for its kind; this plugin registers the events source.
import fp from 'fastify-plugin'
import { createStreamHub, type StreamHub } from '../../domain/stream.js'

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
  hub.register({
    kind: 'event',
    subscribe: (emit) => app.bus.subscribe('event.stored', ({ events }) => {
      for (const e of events) emit({ kind: 'event', seq: e.seq, type: e.type, data: e })
    }),
    replay: async (afterSeq, limit) => (await app.store.events.query({ afterSeq, order: 'asc', limit }))
      .map((e) => ({ kind: 'event', seq: e.seq, type: e.type, data: e })),
  })
  app.decorate('stream', hub)
  // streams never end by themselves: close them first so the server can stop
  app.addHook('preClose', async () => { hub.close() })
}, { name: 'stream', dependencies: ['config', 'store', 'bus'] })
