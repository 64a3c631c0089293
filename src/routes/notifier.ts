// Alerts, notification channels and rules, the delivery log, silences and maintenance windows. Admin only.
import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import {
  AckBody, Alert, AlertQuery, AlertRule, AlertRuleView, Channel, ChannelView, Delivery, DeliveryQuery, DeliveryStatus, MaintenanceView,
  MaintenanceWindow, Silence, SilenceInput, TestResult,
} from '../schemas/notifier.js'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const notFound = { 404: ErrorRef }
const conflict = { 409: ErrorRef }

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const n = app.notifier
  // The domain validates some bodies itself: a channel is a union by `type` (its messages name the field of
  // the right variant), and on PUT the id comes from the URL. Their params are validated as usual.
  const domainBody = bodyCheckedByDomain(app)
  // every admin change lands in the audit trail, refusals included; who acknowledges an alert or
  // authors a silence is the caller as the trail names it (app.audit.actorOf)
  const audited = <T>(req: FastifyRequest, action: string, type: string, id: string, run: () => Promise<T>) =>
    app.audit.change(req, action, { type, id }, run)

  // ---- alerts ----
  app.get('/alerts', {
    auth: 'admin',
    schema: { tags: ['alerts'], summary: 'Active and recent alerts, newest first', querystring: AlertQuery, response: { 200: Type.Array(Type.Ref(Alert)), ...adminErrors } },
  }, async (req) => n.alerts.list(req.query))

  app.get('/alerts/:id', {
    auth: 'admin',
    schema: { tags: ['alerts'], summary: 'One alert', params: IdParams, response: { 200: Type.Ref(Alert), ...notFound, ...adminErrors } },
  }, async (req) => n.alerts.get(req.params.id))

  app.post('/alerts/:id/ack', {
    auth: 'admin',
    // the body is optional: no body is an acknowledgement without a comment
    preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {} },
    schema: {
      tags: ['alerts'],
      summary: 'Acknowledge a firing alert: reminders stop; the resolution is still sent',
      params: IdParams,
      body: AckBody,
      response: { 200: Type.Ref(Alert), ...notFound, ...conflict, ...adminErrors },
    },
  }, async (req) => audited(req, 'alert.acknowledge', 'alert', req.params.id, () => n.alerts.acknowledge(req.params.id, app.audit.actorOf(req).id, req.body.comment ?? null)))

  // ---- channels ----
  app.get('/notifications/channels', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'Notification channels (secrets masked)', response: { 200: Type.Array(Type.Ref(ChannelView)), ...adminErrors } },
  }, async () => n.channels.list())

  app.post('/notifications/channels', {
    auth: 'admin',
    validatorCompiler: domainBody,
    schema: { tags: ['notifications'], summary: 'Create a channel', body: Type.Ref(Channel), response: { 201: Type.Ref(ChannelView), ...conflict, ...adminErrors } },
  }, async (req, reply) => reply.code(201).send(await audited(req, 'channel.create', 'channel', String((req.body as { id?: unknown }).id ?? ''), () => n.channels.create(req.body))))

  app.get('/notifications/channels/:id', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'One channel (secrets masked)', params: IdParams, response: { 200: Type.Ref(ChannelView), ...notFound, ...adminErrors } },
  }, async (req) => n.channels.get(req.params.id))

  app.put('/notifications/channels/:id', {
    auth: 'admin',
    validatorCompiler: domainBody,
    schema: {
      tags: ['notifications'],
      summary: 'Replace a channel; omitted or masked secrets keep their stored value, "" clears one',
      params: IdParams,
      body: Type.Ref(Channel),
      response: { 200: Type.Ref(ChannelView), ...notFound, ...conflict, ...adminErrors },
    },
  }, async (req) => audited(req, 'channel.update', 'channel', req.params.id, () => n.channels.update(req.params.id, req.body)))

  app.delete('/notifications/channels/:id', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'Delete a channel no rule uses', params: IdParams, response: { 204: Type.Null(), ...notFound, ...conflict, ...adminErrors } },
  }, async (req, reply) => { await audited(req, 'channel.delete', 'channel', req.params.id, () => n.channels.remove(req.params.id)); return reply.code(204).send(null) })

  app.post('/notifications/channels/:id/test', {
    auth: 'admin',
    schema: {
      tags: ['notifications'],
      summary: 'Send a test message now (through the outbox, one attempt) and answer with its result',
      params: IdParams,
      response: { 200: TestResult, ...notFound, ...adminErrors },
    },
  }, async (req) => audited(req, 'channel.test', 'channel', req.params.id, () => n.channels.test(req.params.id)))

  // ---- alert rules ----
  app.get('/notifications/rules', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'Alert rules', response: { 200: Type.Array(Type.Ref(AlertRuleView)), ...adminErrors } },
  }, async () => n.rules.list())

  app.post('/notifications/rules', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'Create an alert rule', body: Type.Ref(AlertRule), response: { 201: Type.Ref(AlertRuleView), ...conflict, ...adminErrors } },
  }, async (req, reply) => reply.code(201).send(await audited(req, 'rule.create', 'rule', String((req.body as { id?: unknown }).id ?? ''), () => n.rules.create(req.body))))

  app.get('/notifications/rules/:id', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'One alert rule', params: IdParams, response: { 200: Type.Ref(AlertRuleView), ...notFound, ...adminErrors } },
  }, async (req) => n.rules.get(req.params.id))

  app.put('/notifications/rules/:id', {
    auth: 'admin',
    validatorCompiler: domainBody,
    schema: { tags: ['notifications'], summary: 'Replace an alert rule', params: IdParams, body: Type.Ref(AlertRule), response: { 200: Type.Ref(AlertRuleView), ...notFound, ...conflict, ...adminErrors } },
  }, async (req) => audited(req, 'rule.update', 'rule', req.params.id, () => n.rules.update(req.params.id, req.body)))

  app.delete('/notifications/rules/:id', {
    auth: 'admin',
    schema: { tags: ['notifications'], summary: 'Delete an alert rule (its firing alerts resolve); the built-in services-down answers 409: disable it by PUT', params: IdParams, response: { 204: Type.Null(), ...notFound, ...conflict, ...adminErrors } },
  }, async (req, reply) => { await audited(req, 'rule.delete', 'rule', req.params.id, () => n.rules.remove(req.params.id)); return reply.code(204).send(null) })

  app.get('/notifications/delivery-status', {
    auth: 'admin',
    schema: {
      tags: ['notifications'],
      summary: 'Whether any alert would reach a channel (the Alerts view shows the message when none would)',
      response: { 200: Type.Ref(DeliveryStatus), ...adminErrors },
    },
  }, async () => n.deliveryStatus())

  // ---- delivery log ----
  app.get('/notifications/deliveries', {
    auth: 'admin',
    schema: {
      tags: ['notifications'],
      summary: 'Every delivery attempt, newest first; filter by alert and channel',
      querystring: DeliveryQuery,
      response: { 200: Type.Array(Type.Ref(Delivery)), ...adminErrors },
    },
  }, async (req) => (await n.deliveries({ alertId: req.query.alert, channelId: req.query.channel, limit: req.query.limit }))
    .map((d) => ({ ...d, at: new Date(d.at).toISOString() })))

  // ---- silences ----
  app.get('/silences', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Silences, active and past', response: { 200: Type.Array(Type.Ref(Silence)), ...adminErrors } },
  }, async () => n.silences.list())

  app.post('/silences', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Silence services by name or tag for a while; the author is the caller', body: SilenceInput, response: { 201: Type.Ref(Silence), ...adminErrors } },
  }, async (req, reply) => reply.code(201).send(await audited(req, 'silence.create', 'silence', String((req.body as { id?: unknown }).id ?? ''), () => n.silences.create(req.body, app.audit.actorOf(req).id))))

  app.get('/silences/:id', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'One silence', params: IdParams, response: { 200: Type.Ref(Silence), ...notFound, ...adminErrors } },
  }, async (req) => n.silences.get(req.params.id))

  app.put('/silences/:id', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Change a silence (e.g. end it earlier)', params: IdParams, body: SilenceInput, response: { 200: Type.Ref(Silence), ...notFound, ...adminErrors } },
  }, async (req) => audited(req, 'silence.update', 'silence', req.params.id, () => n.silences.update(req.params.id, req.body, app.audit.actorOf(req).id)))

  app.delete('/silences/:id', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Delete a silence', params: IdParams, response: { 204: Type.Null(), ...notFound, ...adminErrors } },
  }, async (req, reply) => { await audited(req, 'silence.delete', 'silence', req.params.id, () => n.silences.remove(req.params.id)); return reply.code(204).send(null) })

  // ---- maintenance windows ----
  app.get('/maintenance', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Recurring maintenance windows', response: { 200: Type.Array(Type.Ref(MaintenanceView)), ...adminErrors } },
  }, async () => n.maintenance.list())

  app.post('/maintenance', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Create a maintenance window', body: Type.Ref(MaintenanceWindow), response: { 201: Type.Ref(MaintenanceView), ...conflict, ...adminErrors } },
  }, async (req, reply) => reply.code(201).send(await audited(req, 'maintenance.create', 'maintenance', String((req.body as { id?: unknown }).id ?? ''), () => n.maintenance.create(req.body))))

  app.get('/maintenance/:id', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'One maintenance window', params: IdParams, response: { 200: Type.Ref(MaintenanceView), ...notFound, ...adminErrors } },
  }, async (req) => n.maintenance.get(req.params.id))

  app.put('/maintenance/:id', {
    auth: 'admin',
    validatorCompiler: domainBody,
    schema: { tags: ['silences'], summary: 'Replace a maintenance window', params: IdParams, body: Type.Ref(MaintenanceWindow), response: { 200: Type.Ref(MaintenanceView), ...notFound, ...conflict, ...adminErrors } },
  }, async (req) => audited(req, 'maintenance.update', 'maintenance', req.params.id, () => n.maintenance.update(req.params.id, req.body)))

  app.delete('/maintenance/:id', {
    auth: 'admin',
    schema: { tags: ['silences'], summary: 'Delete a maintenance window', params: IdParams, response: { 204: Type.Null(), ...notFound, ...conflict, ...adminErrors } },
  }, async (req, reply) => { await audited(req, 'maintenance.delete', 'maintenance', req.params.id, () => n.maintenance.remove(req.params.id)); return reply.code(204).send(null) })
}

export default fp(routes, { name: 'routes/notifier', dependencies: ['notifier', 'audit', 'auth'], encapsulate: true })
