import fp from 'fastify-plugin'
import { createBus, type Bus } from '../../domain/shared/bus.js'

declare module 'fastify' {
  interface FastifyInstance { bus: Bus }
}

export default fp(async (app) => {
  app.decorate('bus', createBus((err, topic) => app.log.error({ err, topic }, 'bus subscriber failed')))
}, { name: 'bus' })
