// The context tools: the registry's models, agents and tasks.
import type { ContextKind } from '../../shared/names.js'
import { cursorCodec } from '../../shared/cursor.js'
import { invalid } from '../../shared/errors.js'
import { IDEMPOTENT_WRITE, READ, WRITE, define, type Fleet, type ToolDefinition } from '../tool-kit.js'

const idCursor = cursorCodec('c1.')

/** The first `limit` models, agents and tasks (get_context, the context resource). */
export async function contextSnapshot (fleet: Fleet, limit: number) {
  const [models, agents, tasks] = await Promise.all((['models', 'agents', 'tasks'] as const).map((k) => fleet.context.list(k, { limit })))
  return { models, agents, tasks }
}

async function contextPage (fleet: Fleet, kind: ContextKind, a: { status?: string, cursor?: string, limit: number }) {
  const rows = await fleet.context.list(kind, { status: a.status, afterId: a.cursor ? idCursor.decodeText(a.cursor) : undefined, limit: a.limit + 1 })
  const page = rows.slice(0, a.limit)
  return { items: page, nextCursor: rows.length > a.limit ? idCursor.encode(page[page.length - 1].id) : null }
}

export const CONTEXT_TOOLS: readonly ToolDefinition[] = [
  define('get_context', {
    title: 'Get the context registry',
    description: 'The latest models, agents and tasks of the registry, a few of each.',
    scope: 'read',
    annotations: READ,
    run: (a: { limit: number }, fleet) => contextSnapshot(fleet, a.limit),
  }),
  define('list_models', {
    title: 'List models',
    description: 'The AI models of the registry, by id, optionally by status.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const p = await contextPage(fleet, 'models', a)
      return { models: p.items, nextCursor: p.nextCursor }
    },
  }),
  define('register_model', {
    title: 'Register a model',
    description: 'Adds an AI model to the registry (name, provider, version, capabilities).',
    scope: 'context:write',
    annotations: WRITE,
    async run (a, fleet) {
      return { ...await fleet.context.create('models', { status: 'active', ...a }) }
    },
  }),
  define('list_agents', {
    title: 'List agents',
    description: 'The AI agents of the registry, by id, optionally by status.',
    scope: 'read',
    annotations: READ,
    async run (a, fleet) {
      const p = await contextPage(fleet, 'agents', a)
      return { agents: p.items, nextCursor: p.nextCursor }
    },
  }),
  define('set_agent_status', {
    title: 'Set an agent\'s status',
    description: 'Pauses, resumes or retires an agent. A paused or retired agent is refused on /mcp; retired is final.',
    scope: 'context:write',
    annotations: { ...IDEMPOTENT_WRITE, destructiveHint: true },
    async run (a: { agent: string, status: string }, fleet) {
      const { before, after } = await fleet.context.update('agents', a.agent, { status: a.status })
      return { ...after, previousStatus: before.status }
    },
  }),
  define('create_task', {
    title: 'Create a task',
    description: 'Registers a task (submitted by default) for an agent to work on.',
    scope: 'context:write',
    annotations: WRITE,
    async run (a, fleet) {
      return { ...await fleet.context.create('tasks', { status: 'submitted', ...a }) }
    },
  }),
  define('update_task', {
    title: 'Update a task',
    description: 'Moves a task on (submitted → working → completed, failed or canceled), sets its assignee or result.',
    scope: 'context:write',
    annotations: IDEMPOTENT_WRITE,
    async run (a: { task: string } & Record<string, unknown>, fleet) {
      const { task, ...changes } = a
      if (Object.keys(changes).length === 0) throw invalid('give at least one of status, assignee, result')
      const { before, after } = await fleet.context.update('tasks', task, changes)
      return { ...after, previousStatus: before.status }
    },
  }),

]
