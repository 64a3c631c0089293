// POST /events/alertmanager: Alertmanager's webhook receiver. Each alert of the body becomes an event
// (see domain/events/alertmanager-webhook.ts), stored like an ingest batch. Auth as ingest.
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef } from '../schemas/common.js'
import { BatchRejected, BatchResult } from '../schemas/events.js'
import { AlertmanagerWebhookBody } from '../schemas/alertmanager.js'
import { alertmanagerEvents, type AlertmanagerWebhook } from '../domain/events/alertmanager-webhook.js'

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app
  app.post('/events/alertmanager', {
    auth: 'ingest',
    bodyLimit: config.bodyLimit,
    config: { rateLimit: { max: config.ingestRateLimitMax, timeWindow: config.rateLimitWindowMs } },
    schema: {
      tags: ['events'],
      summary: "Alertmanager's webhook receiver: each alert becomes an event",
      description: `Point an Alertmanager webhook_config at this URL. Each alert of the body is stored as an event of type
alertmanager.firing or alertmanager.resolved, source its "service" label (else "job"), its labels and annotations in the payload.
Repeats of the same notification are stored once. Answers 200 with each alert accepted or rejected; at most ${config.eventsMaxBatch} alerts.`,
      body: AlertmanagerWebhookBody(config.eventsMaxBatch),
      response: { 200: Type.Ref(BatchResult), 400: Type.Union([BatchRejected, ErrorRef]), 401: ErrorRef, 413: ErrorRef, 415: ErrorRef, 429: ErrorRef, 503: ErrorRef },
    },
  }, async (req) => app.events.ingestBatch(alertmanagerEvents(req.body as AlertmanagerWebhook)))
}

export default fp(routes, { name: 'routes/alertmanager', dependencies: ['events', 'auth'], encapsulate: true })
