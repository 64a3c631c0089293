import fp from 'fastify-plugin'
import { createEventService, type EventService } from '../../domain/events.js'

declare module 'fastify' {
  interface FastifyInstance { events: EventService }
}

const DAY = 86_400_000

export default fp(async (app) => {
  const { config } = app
  const events = createEventService({ store: app.store, bus: app.bus, maxBatch: config.eventsMaxBatch, maxEventBytes: config.eventMaxBytes })
  app.decorate('events', events)

  // Retention: deletes run in small chunks on the writer thread, never blocking requests.
  let running: Promise<unknown> | null = null
  const prune = () => {
    if (running) return
    running = events.prune(Date.now() - config.eventsRetentionDays * DAY)
      .then((n) => {
        if (n === 0) return
        app.bus.publish('events.pruned', { count: n })
        app.log.info({ deleted: n, retentionDays: config.eventsRetentionDays }, 'events past retention deleted')
      })
      .catch((err) => app.log.error({ err }, 'event retention failed'))
      .finally(() => { running = null })
  }
  const timer = setInterval(prune, 10 * 60_000)
  timer.unref()
  app.addHook('onReady', async () => { prune() })
  app.addHook('preClose', async () => { clearInterval(timer); await running })
}, { name: 'events', dependencies: ['config', 'store', 'bus'] })
