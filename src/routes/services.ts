import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { bodyCheckedByDomain } from '../http/validation.js'
import {
  CheckServicesReport, HistoryPage, HistoryQuery, IncidentPage, IncidentQuery, ServiceDefinition, ServiceDetail, ServiceInput,
  ServiceName, ServiceStatus, UptimeBars, UptimeDays, UptimeDaysQuery,
} from '../schemas/health.js'

const ServiceView = Type.Object({ status: Type.Ref(ServiceStatus), definition: Type.Ref(ServiceDefinition) })

// The fleet's lists are serialised with JSON.stringify: their objects are built field by field from the
// schema (views.ts statusView), and fast-json-stringify, which tries each branch of every nullable and
// enum field (anyOf) per value, took 6-10 times as long (400 ms for 5,000 services).
// test/routes/uptime-bars.test.ts checks that each item has exactly the schema's fields.
const plainJson = () => (data: unknown) => JSON.stringify(data)

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Definitions are validated by the health service, so that the config file and the API give the same
  // field-naming messages; the schemas below document the bodies. Params are validated as usual.
  const domainValidated = bodyCheckedByDomain(app)

  app.get('/check-services', {
    auth: 'admin',
    serializerCompiler: plainJson,
    schema: {
      tags: ['health'],
      summary: 'Aggregate health of every monitored service',
      description: 'From the latest stored results, without probing. `?refresh=true` probes every enabled service now and answers with the fresh results (bounded by the largest timeout).',
      querystring: Type.Object({ refresh: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      response: { 200: Type.Ref(CheckServicesReport), ...adminErrors },
    },
  }, async (req) => req.query.refresh ? app.health.refresh() : app.health.checkServices())

  app.get('/services', {
    auth: 'admin',
    serializerCompiler: plainJson,
    schema: {
      tags: ['health'],
      summary: 'Every monitored service with its current state',
      response: { 200: Type.Array(Type.Ref(ServiceStatus)), ...adminErrors },
    },
  }, async () => app.health.list())

  // not under /services/: a service may be named anything a slug allows
  app.get('/uptime/daily', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'Every service\'s check counts per UTC day (the fleet view\'s uptime bars)',
      description: 'From the hourly rollups in one read; days without checks are left out.',
      querystring: UptimeDaysQuery,
      response: { 200: Type.Ref(UptimeDays), ...adminErrors },
    },
  }, async (req) => app.health.uptimeDays(req.query.days))

  app.get('/uptime/bars', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'Every service\'s uptime bar: one character per UTC day and its checks over the window (the fleet view)',
      description: 'The compact form of `/uptime/daily` (about a tenth of its size): each day reduced to the colour the bar shows. Finished days are built once a day from the daily table; today is read on each call.',
      querystring: UptimeDaysQuery,
      response: { 200: Type.Ref(UptimeBars), ...adminErrors },
    },
  }, async (req) => app.health.uptimeBars(req.query.days))

  app.post('/services', {
    auth: 'admin',
    validatorCompiler: domainValidated,
    schema: {
      tags: ['health'],
      summary: 'Add a monitored service',
      description: 'Answers 201 once the definition is stored. 409 when the name is taken.',
      body: Type.Ref(ServiceInput),
      response: { 201: ServiceView, 409: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    const name = String((req.body as { name?: unknown }).name ?? '')
    return reply.code(201).send(await app.audit.change(req, 'service.create', { type: 'service', id: name }, () => app.health.create(req.body)))
  })

  app.get('/services/:name', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'One service: state, last check, uptime windows (24h, 7d, 30d, 90d, 365d), open incident',
      params: ServiceName,
      response: { 200: Type.Ref(ServiceDetail), 404: ErrorRef, ...adminErrors },
    },
  }, async (req) => app.health.detail(req.params.name))

  app.put('/services/:name', {
    auth: 'admin',
    validatorCompiler: domainValidated,
    schema: {
      tags: ['health'],
      summary: 'Replace an API-defined service',
      description: 'Services from the config file are read-only here (409).',
      params: ServiceName,
      body: Type.Ref(ServiceInput),
      response: { 200: ServiceView, 404: ErrorRef, 409: ErrorRef, ...adminErrors },
    },
  }, async (req) => app.audit.change(req, 'service.replace', { type: 'service', id: req.params.name }, () => app.health.replace(req.params.name, req.body)))

  app.patch('/services/:name', {
    auth: 'admin',
    validatorCompiler: domainValidated,
    schema: {
      tags: ['health'],
      summary: 'Change some fields of an API-defined service',
      description: 'Fields given replace the stored ones; null removes an optional field. Services from the config file are read-only here (409).',
      params: ServiceName,
      body: Type.Object({}, { additionalProperties: true, description: 'any fields of ServiceInput' }),
      response: { 200: ServiceView, 404: ErrorRef, 409: ErrorRef, ...adminErrors },
    },
  }, async (req) => app.audit.change(req, 'service.update', { type: 'service', id: req.params.name }, () => app.health.patch(req.params.name, req.body), { metadata: { fields: Object.keys(req.body ?? {}) } }))

  app.delete('/services/:name', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'Remove an API-defined service with its history',
      description: 'Refused (409) for config-file services and while other services depend on it.',
      params: ServiceName,
      response: { 204: Type.Null(), 404: ErrorRef, 409: ErrorRef, ...adminErrors },
    },
  }, async (req, reply) => {
    await app.audit.change(req, 'service.delete', { type: 'service', id: req.params.name }, () => app.health.remove(req.params.name))
    return reply.code(204).send(null)
  })

  app.get('/services/:name/history', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'Raw checks of one service, newest first (kept MCP_CHECKS_RETENTION_DAYS days)',
      params: ServiceName,
      querystring: HistoryQuery,
      response: { 200: HistoryPage, 404: ErrorRef, ...adminErrors },
    },
  }, async (req) => app.health.history(req.params.name, req.query))

  app.get('/services/:name/incidents', {
    auth: 'admin',
    schema: {
      tags: ['health'],
      summary: 'Incidents (down or degraded periods) of one service, newest first',
      params: ServiceName,
      querystring: IncidentQuery,
      response: { 200: IncidentPage, 404: ErrorRef, ...adminErrors },
    },
  }, async (req) => app.health.incidents(req.params.name, req.query))
}

export default fp(routes, { name: 'routes/services', dependencies: ['health', 'audit', 'auth'], encapsulate: true })
