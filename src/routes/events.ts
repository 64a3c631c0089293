import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors, ingestErrors } from '../schemas/common.js'
import { lazyChildLogger } from '../http/lazy-child-logger.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import { BatchRejected, BatchResult, Event, EventPage, EventQuery, IngestBody } from '../schemas/events.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app

  app.post('/events', {
    auth: 'ingest',
    helmet: false,
    // two log lines per event at ingest rates would cost more than the ingest; failures still log,
    // and the request's child logger is built only when they do
    logLevel: 'warn',
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimit,
    config: { rateLimit: { max: config.ingestRateLimitMax, timeWindow: config.rateLimitWindowMs } },
    // Items are validated one by one in the event service, so that a bad item of a batch is reported
    // without sinking the good ones; the schema below documents the body.
    validatorCompiler: bodyCheckedByDomain(app),
    schema: {
      tags: ['events'],
      summary: 'Ingest one event or a batch',
      description: `One event answers 201 with the stored event (200 with the stored one when source+id was already stored).
An array of at most ${config.eventsMaxBatch} events answers 207 with each item accepted or rejected; 400 when none is valid.
A 2xx means the events are committed to disk.`,
      body: IngestBody,
      response: {
        200: Type.Ref(Event),
        201: Type.Ref(Event),
        207: Type.Ref(BatchResult),
        400: Type.Union([BatchRejected, ErrorRef]),
        ...ingestErrors,
      },
    },
  }, async (req, reply) => {
    const body = req.body as unknown
    if (Array.isArray(body)) return reply.code(207).send(await app.events.ingestBatch(body))
    const { event, duplicate } = await app.events.ingestOne(body)
    return reply.code(duplicate ? 200 : 201).send(event)
  })

  app.get('/events', {
    auth: 'admin',
    schema: {
      tags: ['events'],
      summary: 'Query events, newest first',
      querystring: EventQuery,
      response: { 200: Type.Ref(EventPage), ...adminErrors },
    },
  }, async (req) => app.events.query(req.query))

  app.get('/events/:id', {
    auth: 'admin',
    schema: {
      tags: ['events'],
      summary: 'One event by its id',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: Type.Ref(Event), 404: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    const event = await app.events.get(req.params.id)
    if (!event) return reply.notFound(`no event with id ${req.params.id}`)
    return event
  })
}

export default fp(routes, { name: 'routes/events', dependencies: ['config', 'events', 'auth'], encapsulate: true })
