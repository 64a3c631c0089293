import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { StreamFullError, decodeStreamId } from '../domain/stream/stream-hub.js'

const csv = (s?: string) => s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/stream', {
    auth: 'admin',
    schema: {
      tags: ['stream'],
      summary: 'Server-Sent Events: new events, audit entries, service state and alert changes',
      description: `Each message has an SSE \`id\`; reconnecting with \`Last-Event-ID\` replays what was missed (at most ${app.config.streamReplayMax} per kind).
Message \`event\` is the kind; \`data\` is JSON \`{type, seq, data}\`. A heartbeat comment every ${app.config.streamHeartbeatMs} ms.`,
      querystring: Type.Object({
        kinds: Type.Optional(Type.String({ description: 'comma-separated kinds: event, audit, state, alert' })),
        types: Type.Optional(Type.String({ description: 'comma-separated types (event type, audit action, state, alert status)' })),
      }, { additionalProperties: false }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 500 })) }),
      response: {
        200: Type.String({ description: 'text/event-stream' }),
        503: ErrorRef,
        ...adminErrors,
      },
    },
  }, async (req, reply) => {
    const kinds = csv(req.query.kinds)
    const unknown = kinds?.filter((k) => !app.stream.kinds().includes(k))
    if (unknown?.length) return reply.badRequest(`querystring/kinds: unknown kind ${unknown.join(', ')}; known: ${app.stream.kinds().join(', ')}`)
    // refused before a slot is taken: a replay from a position that is not one of ours would fail
    const lastEventId = req.headers['last-event-id']
    if (lastEventId && !decodeStreamId(lastEventId)) {
      return reply.badRequest('headers/last-event-id must be an id this stream sent (kind:seq, joined by dots), or absent')
    }
    if (app.stream.isFull()) {
      const err = new StreamFullError(app.config.streamMaxClients)
      return reply.code(503).header('retry-after', '10').send({ statusCode: 503, error: 'Service Unavailable', message: err.message })
    }
    const res = reply.raw
    reply.hijack()
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    // the slot is released when the connection goes, whether during the replay or after it
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    try {
      // connect() registers the client before its first await, so the capacity check above holds
      await app.stream.connect({
        write: (chunk) => { res.write(chunk) },
        bufferedBytes: () => res.writableLength,
        close: () => { res.end(); res.destroy() },
      }, { kinds, types: csv(req.query.types), lastEventId, signal: gone.signal })
    } catch (err) {
      // the 200 is sent already: the client, closed by the hub, sees the stream end and reconnects
      req.log.warn({ err }, 'stream replay failed; the client was disconnected')
      res.destroy()
    }
  })
}

export default fp(routes, { name: 'routes/stream', dependencies: ['config', 'stream', 'auth'], encapsulate: true })
