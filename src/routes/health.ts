import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { createRequire } from 'node:module'
import { ErrorRef } from '../schemas/common.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
const startedAt = Date.now()

const Liveness = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime: Type.Number({ description: 'seconds since the process started' }),
  startedAt: Type.String({ format: 'date-time' }),
})
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  store: Type.String(),
  role: Type.Union([Type.Literal('leader'), Type.Literal('follower')], { description: 'whether this instance runs the leader-only jobs (always the leader on SQLite)' }),
  leaderToken: Type.Union([Type.Integer(), Type.Null()], { description: "the fencing token of this instance's lease; null on a follower" }),
  message: Type.Optional(Type.String()),
})

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    auth: 'public',
    schema: { tags: ['hub'], summary: "The hub's own liveness", response: { 200: Liveness } },
  }, async () => ({ status: 'ok' as const, version, uptime: (Date.now() - startedAt) / 1000, startedAt: new Date(startedAt).toISOString() }))

  app.get('/ready', {
    auth: 'public',
    schema: {
      tags: ['hub'],
      summary: 'Readiness: 200 when the store answers a read and a write, 503 otherwise',
      response: { 200: Readiness, 503: Readiness, 429: ErrorRef },
    },
  }, async (_req, reply) => {
    try {
      await Promise.race([
        app.store.ping(),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('store did not answer within 2 s')), 2000).unref()),
      ])
      return { status: 'ready' as const, store: app.store.engine, role: app.cluster.role(), leaderToken: app.cluster.token() }
    } catch (err) {
      reply.header('retry-after', '5')
      return reply.code(503).send({ status: 'unavailable' as const, store: app.store.engine, role: app.cluster.role(), leaderToken: app.cluster.token(), message: (err as Error).message })
    }
  })
}

export default fp(routes, { name: 'routes/health', dependencies: ['store', 'cluster'], encapsulate: true })
