import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { createRegistry, type Registry, type Who } from '../../domain/context/registry.js'
import { SYSTEM_ACTOR } from '../../domain/audit/audit-trail.js'

declare module 'fastify' {
  interface FastifyInstance { context: Registry & { whoOf (req: FastifyRequest): Who } }
}

export default fp(async (app) => {
  const registry = createRegistry({ store: app.store, record: app.audit.recordFor })
  app.decorate('context', {
    ...registry,
    whoOf: (req: FastifyRequest): Who => ({
      actor: req.actor ? { type: req.actor.type, id: req.actor.id, name: req.actor.name ?? null, onBehalfOf: null } : SYSTEM_ACTOR,
      ctx: app.audit.contextOf(req),
    }),
  })
}, { name: 'context', dependencies: ['store', 'audit'] })
