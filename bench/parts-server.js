// The floor with the hub's parts added one stage at a time (BENCH_STAGE), for bench/parts.js:
// 0 the floor; 1 + the hub's logger (the route at warn, its child logger lazy), the rate limit, the
// Event response schema, and the event service's validation, id and serialisation, with no storage;
// 2 + the SQLite store at durability normal; 3 + durability full (the hub's default).
import Fastify from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEventService } from '../dist/domain/events/event-log.js'
import { createSqliteStore } from '../dist/store/sqlite/sqlite-store.js'
import { createBus } from '../dist/domain/shared/bus.js'
import { Event, EventInput } from '../dist/schemas/events.js'
import { loggerOptions } from '../dist/app.js'
import { lazyChildLogger } from '../dist/http/lazy-child-logger.js'

const stage = Number(process.env.BENCH_STAGE ?? 0)
// from stage 1 the logger and the route's logging are the hub's
const app = Fastify({ bodyLimit: 4 * 1024 * 1024, logger: stage >= 1 ? loggerOptions({ logLevel: 'info' }) : false })
const routeOpts = {}
if (stage >= 1) {
  await app.register(rateLimit, { global: true, max: 100_000_000, timeWindow: 60_000, addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false } })
  app.addSchema(EventInput)
  app.addSchema(Event)
  routeOpts.logLevel = 'warn'
  routeOpts.childLoggerFactory = lazyChildLogger
  routeOpts.schema = { response: { 201: { $ref: 'Event#' } } }
}
let events = null
if (stage >= 1) {
  const store = await createSqliteStore({ dataDir: mkdtempSync(join(tmpdir(), 'mcp-bench-parts-')), durability: stage >= 3 ? 'full' : 'normal' })
  // stage 1 stops before the store: the append answers at once
  if (stage === 1) store.events.append = async (rows) => rows.map((r, i) => ({ id: r.id, seq: i + 1, duplicate: false }))
  events = createEventService({ store, bus: createBus(), maxBatch: 1000, maxEventBytes: 65536 })
}
app.post('/events', routeOpts, async (req, reply) => {
  const body = req.body
  if (events) return reply.code(201).send((await events.ingestOne(body)).event)
  return reply.code(201).send({ ok: true })
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening at http://127.0.0.1:${app.server.address().port}\n`)
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
