// The context registry (the seed's "contexto global"): models, agents and tasks. Every change is
// audited, refused ones too, by the routes (app.audit.change), like every admin change. No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { ContextItem } from '../../store/ports/context.js'
import type { ContextKind } from '../shared/names.js'
import type { Store } from '../../store/ports/store.js'
import { newItem } from './status-rules.js'

export function createRegistry (opts: { store: Store }) {
  const { store } = opts
  const nextId = monotonicFactory()
  const now = () => new Date().toISOString()

  return {
    list: (kind: ContextKind, f: { status?: string, name?: string, afterId?: string, limit: number }) => store.context.list(kind, f),
    get: (kind: ContextKind, id: string) => store.context.get(kind, id),
    /** the most recently updated task with this name (e.g. `tests` for the tests-status metric) */
    latestTask: (name: string) => store.context.latestTask(name),

    async create (kind: ContextKind, input: Record<string, unknown> & { name: string, status: string }): Promise<ContextItem> {
      const at = now()
      const item = newItem(kind, { ...input, id: (input.id as string | undefined) ?? nextId() }, at)
      return await store.context.create(kind, item)
    },

    /** the item before and after the change (the audit entry names a status change) */
    async update (kind: ContextKind, id: string, patch: Record<string, unknown>): Promise<{ before: ContextItem, after: ContextItem }> {
      const { before, after } = await store.context.update(kind, id, patch, now())
      return { before, after }
    },

    /** the deleted item; undefined when there was none */
    async delete (kind: ContextKind, id: string): Promise<ContextItem | undefined> {
      return await store.context.delete(kind, id)
    },
  }
}

export type Registry = ReturnType<typeof createRegistry>
