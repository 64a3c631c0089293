// The context registry (the seed's "contexto global"): models, agents and tasks. Every change is
// audited, refused ones too, by the routes (app.audit.change), like every admin change. No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { ContextItem, ContextStore } from '../../store/ports/context.js'
import type { ContextKind } from '../shared/names.js'
import type { Store } from '../../store/ports/store.js'
import { applyPatch, newItem } from './status-rules.js'
import { createInputOf, patchOf } from './original-shapes.js'
import { conflict, notFound } from '../shared/errors.js'

const singular = (kind: ContextKind) => kind.slice(0, -1)

/** Reads before giving up on an item that keeps changing between the read and the write. */
const UPDATE_ATTEMPTS = 5

/**
 * Applies a patch by compare-and-set: reads the item, applies the status rules to it, and replaces it
 * only if it is unchanged since; a lost race reads it again and applies the patch anew.
 */
async function patchItem (context: ContextStore, kind: ContextKind, id: string, patch: Record<string, unknown>, now: () => string) {
  for (let attempt = 1; ; attempt++) {
    const before = await context.get(kind, id)
    if (!before) throw notFound(`no ${singular(kind)} with id ${id}`)
    const after = applyPatch(kind, before, patch, now())
    if (await context.replace(kind, before, after)) return { before, after }
    if (attempt >= UPDATE_ATTEMPTS) throw conflict(`${singular(kind)} ${id} kept changing while it was updated; retry`)
  }
}

export function createRegistry (opts: { store: Store }) {
  const { store } = opts
  const nextId = monotonicFactory()
  const now = () => new Date().toISOString()

  return {
    list: (kind: ContextKind, f: { status?: string, name?: string, afterId?: string, limit: number }) => store.context.list(kind, f),
    get: (kind: ContextKind, id: string) => store.context.get(kind, id),
    /** the most recently updated task with this name (e.g. `tests` for the tests-status metric) */
    latestTask: (name: string) => store.context.latestTask(name),

    /** `input` may take the original design's shapes (original-shapes.ts) */
    async create (kind: ContextKind, body: Record<string, unknown>): Promise<ContextItem> {
      const at = now()
      const input = createInputOf(kind, body)
      const item = newItem(kind, { ...input, id: (input.id as string | undefined) ?? nextId() }, at)
      return await store.context.create(kind, item)
    },

    /** the item before and after the change (the audit entry names a status change) */
    async update (kind: ContextKind, id: string, patch: Record<string, unknown>): Promise<{ before: ContextItem, after: ContextItem }> {
      return await patchItem(store.context, kind, id, patchOf(kind, patch), now)
    },

    /** the deleted item; undefined when there was none */
    async delete (kind: ContextKind, id: string): Promise<ContextItem | undefined> {
      return await store.context.delete(kind, id)
    },
  }
}

export type Registry = ReturnType<typeof createRegistry>
