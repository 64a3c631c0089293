import fp from 'fastify-plugin'
import { createRegistry, type Registry } from '../../domain/context/registry.js'

declare module 'fastify' {
  interface FastifyInstance { context: Registry }
}

// The registry of models, agents and tasks; its routes audit its changes, like every admin change.
export default fp(async (app) => {
  app.decorate('context', createRegistry({ store: app.store }))
}, { name: 'context', dependencies: ['store'] })
