import fp from 'fastify-plugin'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorRef, adminErrors } from '../schemas/common.js'
import { ContextListQuery, ContextSnapshotQuery, contextKindSchemas, type ContextListQueryT } from '../schemas/context.js'
import { AuditEntrySchema } from '../schemas/audit.js'
import { Event } from '../schemas/events.js'
import { CONTEXT_KINDS, type ContextKind } from '../domain/shared/names.js'
import { cursorCodec } from '../domain/shared/cursor.js'
import { notFound } from '../domain/shared/errors.js'

const cursor = cursorCodec('c1.')

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/context', {
    auth: 'admin',
    schema: {
      tags: ['context'],
      summary: "The seed's context snapshot: models, agents, tasks, and the latest audit entries and events",
      querystring: ContextSnapshotQuery,
      response: {
        200: Type.Object({
          models: Type.Array(Type.Ref(contextKindSchemas.models.item)),
          agents: Type.Array(Type.Ref(contextKindSchemas.agents.item)),
          tasks: Type.Array(Type.Ref(contextKindSchemas.tasks.item)),
          audit: Type.Array(Type.Ref(AuditEntrySchema), { description: 'the latest entries, newest first' }),
          events: Type.Array(Type.Ref(Event), { description: 'the latest events, newest first' }),
        }),
        ...adminErrors,
      },
    },
  }, async (req) => {
    const { limit } = req.query
    const [models, agents, tasks, audit, events] = await Promise.all([
      app.context.list('models', { limit }),
      app.context.list('agents', { limit }),
      app.context.list('tasks', { limit }),
      app.audit.query({ limit }),
      app.events.query({ limit }),
    ])
    return { models, agents, tasks, audit: audit.entries, events: events.events }
  })

  for (const kind of CONTEXT_KINDS) {
    const { input, patch, item, statuses } = contextKindSchemas[kind]
    const one = kind.slice(0, -1)
    const Page = Type.Object({ items: Type.Array(Type.Ref(item)), nextCursor: Type.Union([Type.String(), Type.Null()]) })
    const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

    app.get(`/context/${kind}`, {
      auth: 'admin',
      schema: {
        tags: ['context'],
        summary: `List ${kind} by id`,
        description: `Filter by status (${statuses.join(', ')}) or name.`,
        querystring: ContextListQuery,
        response: { 200: Page, ...adminErrors },
      },
    }, async (req) => {
      const q = req.query as ContextListQueryT
      const rows = await app.context.list(kind as ContextKind, { status: q.status, name: q.name, afterId: q.cursor ? cursor.decodeText(q.cursor) : undefined, limit: q.limit + 1 })
      const items = rows.slice(0, q.limit)
      return { items, nextCursor: rows.length > q.limit ? cursor.encode(items[items.length - 1].id) : null }
    })

    app.get(`/context/${kind}/:id`, {
      auth: 'admin',
      schema: { tags: ['context'], summary: `One ${one}`, params: Params, response: { 200: Type.Ref(item), 404: ErrorRef, ...adminErrors } },
    }, async (req, reply) => {
      const found = await app.context.get(kind, (req.params as { id: string }).id)
      if (!found) return reply.notFound(`no ${one} with id ${(req.params as { id: string }).id}`)
      return found
    })

    app.post(`/context/${kind}`, {
      auth: 'admin',
      schema: {
        tags: ['context'],
        summary: `Create a ${one} (audited)`,
        body: Type.Ref(input),
        response: { 201: Type.Ref(item), 409: ErrorRef, 503: ErrorRef, ...adminErrors },
      },
    }, async (req, reply) => {
      const input = req.body as Record<string, unknown> & { name: string, status: string }
      // the id is the one given, or the one the registry chose; a refusal (the id is taken) is recorded
      const created = await app.audit.change(req, `context.${one}.create`,
        (c) => ({ type: one, id: c?.id ?? String(input.id ?? '') }),
        () => app.context.create(kind, input),
        { metadata: (c) => c ? { name: c.name, status: c.status } : {} })
      return reply.code(201).send(created)
    })

    app.patch(`/context/${kind}/:id`, {
      auth: 'admin',
      schema: {
        tags: ['context'],
        summary: `Change a ${one} (audited; status changes are checked)`,
        description: kind === 'tasks'
          ? 'Task status: submitted → working | canceled | failed; working → input_required | completed | failed | canceled; input_required → working | canceled | failed; completed, failed and canceled are final. 409 otherwise.'
          : kind === 'agents'
            ? 'Agent status: active ↔ paused, either → retired; retired is final. 409 otherwise.'
            : 'Model status: active ↔ deprecated, either → retired; retired is final. 409 otherwise.',
        params: Params,
        body: Type.Ref(patch),
        response: { 200: Type.Ref(item), 404: ErrorRef, 409: ErrorRef, 503: ErrorRef, ...adminErrors },
      },
    }, async (req) => {
      const { id } = req.params as { id: string }
      const changes = req.body as Record<string, unknown>
      const fields = Object.keys(changes).sort()
      const { after } = await app.audit.change(req, `context.${one}.update`, { type: one, id },
        () => app.context.update(kind, id, changes),
        {
          metadata: (r) => r && r.before.status !== r.after.status ? { fields, from: r.before.status, to: r.after.status } : { fields },
          // a refused status change is worth knowing about; an unknown id changed nothing
          recordsFailure: (err) => err.kind === 'conflict',
        })
      return after
    })

    app.delete(`/context/${kind}/:id`, {
      auth: 'admin',
      schema: { tags: ['context'], summary: `Delete a ${one} (audited)`, params: Params, response: { 204: Type.Null(), 404: ErrorRef, ...adminErrors } },
    }, async (req, reply) => {
      const { id } = req.params as { id: string }
      await app.audit.change(req, `context.${one}.delete`, { type: one, id }, async () => {
        const gone = await app.context.delete(kind, id)
        if (!gone) throw notFound(`no ${one} with id ${id}`)
        return gone
      }, {
        metadata: (gone) => gone ? { name: gone.name, status: gone.status } : {},
        // deleting what is not there changed nothing
        recordsFailure: () => false,
      })
      return reply.code(204).send(null)
    })
  }
}

export default fp(routes, { name: 'routes/context', dependencies: ['context', 'audit', 'events', 'auth'], encapsulate: true })
