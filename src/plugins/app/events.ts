import fp from 'fastify-plugin'
import { scheduleRetention } from '../../http/periodic-job.js'
import { createEventService, type EventService } from '../../domain/events/event-log.js'

declare module 'fastify' {
  interface FastifyInstance { events: EventService }
}

const DAY = 86_400_000

export default fp(async (app) => {
  const { config } = app
  const events = createEventService({
    store: app.store,
    bus: app.bus,
    maxBatch: config.eventsMaxBatch,
    maxEventBytes: config.eventMaxBytes,
    maxAttributes: config.eventAttributesMax,
    maxAttributesBytes: config.eventAttributesMaxBytes,
  })
  app.decorate('events', events)

  // Retention: deletes run in small chunks on the writer thread, never blocking requests.
  const retention = scheduleRetention(app, 'event', 10 * 60_000, async () => {
    const n = await events.prune(Date.now() - config.eventsRetentionDays * DAY)
    if (n === 0) return
    app.bus.publish('events.pruned', { count: n })
    app.log.info({ deleted: n, retentionDays: config.eventsRetentionDays }, 'events past retention deleted')
  })
  app.addHook('preClose', () => retention.stop())
}, { name: 'events', dependencies: ['config', 'store', 'bus'] })
