// The context registry (the seed's "contexto global"): models, agents and tasks. Every change is
// audited, refused ones too. No Fastify here.
import { monotonicFactory } from 'ulidx'
import type { ContextItem, ContextStore } from '../../store/ports/context.js'
import type { ContextKind } from '../shared/names.js'
import type { Store } from '../../store/ports/store.js'
import type { AuditContext } from '../audit/audit-trail.js'
import type { AuditActor, AuditEntry, AuditTarget, Outcome } from '../audit/hash-chain.js'
import { applyPatch, newItem } from './status-rules.js'
import { conflict, isDomainError, notFound } from '../shared/errors.js'

/** Who makes a change, for the audit entry. */
export interface Who { actor: AuditActor, ctx: AuditContext }

export type RecordAudit = (actor: AuditActor, action: string, target: AuditTarget | null, outcome: Outcome, ctx: AuditContext, metadata?: Record<string, unknown>, reason?: string | null) => Promise<AuditEntry>


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

export function createRegistry (opts: { store: Store, record: RecordAudit }) {
  const { store, record } = opts
  const nextId = monotonicFactory()
  const now = () => new Date().toISOString()

  return {
    list: (kind: ContextKind, f: { status?: string, name?: string, afterId?: string, limit: number }) => store.context.list(kind, f),
    get: (kind: ContextKind, id: string) => store.context.get(kind, id),
    /** the most recently updated task with this name (e.g. `tests` for the tests-status metric) */
    latestTask: (name: string) => store.context.latestTask(name),

    async create (kind: ContextKind, input: Record<string, unknown> & { name: string, status: string }, who: Who): Promise<ContextItem> {
      const at = now()
      const item = newItem(kind, { ...input, id: (input.id as string | undefined) ?? nextId() }, at)
      const target = { type: singular(kind), id: item.id }
      try {
        const created = await store.context.create(kind, item)
        await record(who.actor, `context.${singular(kind)}.create`, target, 'success', who.ctx, { name: created.name, status: created.status })
        return created
      } catch (err) {
        if (isDomainError(err)) await record(who.actor, `context.${singular(kind)}.create`, target, 'failure', who.ctx, {}, err.message)
        throw err
      }
    },

    async update (kind: ContextKind, id: string, patch: Record<string, unknown>, who: Who): Promise<ContextItem> {
      const target = { type: singular(kind), id }
      try {
        const { before, after } = await patchItem(store.context, kind, id, patch, now)
        const metadata: Record<string, unknown> = { fields: Object.keys(patch).sort() }
        if (before.status !== after.status) { metadata.from = before.status; metadata.to = after.status }
        await record(who.actor, `context.${singular(kind)}.update`, target, 'success', who.ctx, metadata)
        return after
      } catch (err) {
        // a refused status change is worth knowing about; an unknown id changed nothing
        if (isDomainError(err, 'conflict')) await record(who.actor, `context.${singular(kind)}.update`, target, 'failure', who.ctx, { fields: Object.keys(patch).sort() }, err.message)
        throw err
      }
    },

    async delete (kind: ContextKind, id: string, who: Who): Promise<ContextItem | undefined> {
      const gone = await store.context.delete(kind, id)
      if (gone) await record(who.actor, `context.${singular(kind)}.delete`, { type: singular(kind), id }, 'success', who.ctx, { name: gone.name, status: gone.status })
      return gone
    },
  }
}

export type Registry = ReturnType<typeof createRegistry>
