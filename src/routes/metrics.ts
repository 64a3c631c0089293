import { Readable } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef } from '../schemas/common.js'

const MetricsSummary = Type.Object({
  healthy: Type.Integer({ description: 'services up' }),
  degraded: Type.Integer(),
  unhealthy: Type.Integer({ description: 'services down' }),
  total: Type.Integer(),
  events: Type.Integer({ description: 'events stored' }),
  audits: Type.Integer({ description: 'audit entries' }),
  uptime: Type.Number({ description: 'share of monitored services answering now, 0-100' }),
  testsStatus: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Null()], { description: "the latest registry task named 'tests'" }),
  role: Type.Union([Type.Literal('leader'), Type.Literal('follower')], { description: 'whether this instance runs the leader-only jobs' }),
  leaderToken: Type.Union([Type.Integer(), Type.Null()], { description: "the fencing token of this instance's lease; null on a follower" }),
  generatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'MetricsSummary', title: 'MetricsSummary' })

export const metricsSchemas = [MetricsSummary]

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/metrics', {
    auth: 'public',
    schema: {
      tags: ['metrics'],
      summary: "The seed's JSON summary: services, events, audits, uptime, tests status",
      response: { 200: Type.Ref(MetricsSummary), 429: ErrorRef },
    },
  }, async () => app.metrics.summary())

  app.get('/metrics/prometheus', {
    auth: 'public',
    // scrapes are frequent and routine: log them only when something goes wrong
    logLevel: 'warn',
    schema: {
      tags: ['metrics'],
      summary: 'Prometheus text exposition (format 0.0.4); reads stored state, never probes',
      produces: ['text/plain'],
      // sent as the bytes cached per service (a Buffer is never re-serialised), documented as text
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', description: 'text/plain; version=0.0.4' }), 429: ErrorRef },
    },
  }, async (_req, reply) => {
    const [head, tail] = await app.metrics.exposition()
    // the two parts as they are, with their total length (no chunked encoding)
    return reply.type(app.metrics.contentType).header('content-length', head.length + tail.length).send(Readable.from([head, tail], { objectMode: false }) as unknown as Buffer)
  })
}

export default fp(routes, { name: 'routes/metrics', dependencies: ['metrics'], encapsulate: true })
