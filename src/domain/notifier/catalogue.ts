// A catalogue of one kind of notifier definition (channels, alert rules, maintenance windows, silences):
// config-file entries are read-only, API entries are stored, built-in entries (shipped with every hub)
// may be replaced through the API, the replacement stored, but never deleted. get/list/create/update/remove are written
// once here; what differs per kind comes in as hooks (see definition-kinds.ts).
import { conflict, notFound } from '../shared/errors.js'
import type { NotifierDefinitionKind, NotifierStore } from '../../store/ports/notifier.js'
import type { StoreWrites } from './store-writes.js'

export type Source = 'config' | 'api' | 'builtin'
export interface Defined<T> { spec: T, source: Source }

/** What sets one kind apart. `A`: extra arguments of create and update (a silence's author). */
export interface KindHooks<T extends { id: string }, V, A extends unknown[] = []> {
  kind: NotifierDefinitionKind
  /** how messages name one, e.g. 'alert rule' */
  noun: string
  /** checks a body and makes the spec to store; `update` is set when it replaces a stored entry */
  fromBody (body: unknown, update: { id: string, old: T } | null, ...args: A): T
  /** what the API shows of an entry, e.g. with secrets masked */
  view (d: Defined<T>): V
  /** checks against the other definitions before a create or update is stored */
  checkSave? (spec: T): void
  /** refuses a removal that would leave another definition pointing at nothing */
  checkRemove? (id: string): void
  /** after a change is stored */
  changed? (op: 'create' | 'update' | 'remove'): void
  /** list order, when not the order of definition */
  order? (a: T, b: T): number
}

/** What the routes call. */
export interface CatalogueApi<V, A extends unknown[]> {
  list (): V[]
  get (id: string): V
  create (body: unknown, ...args: A): Promise<V>
  update (id: string, body: unknown, ...args: A): Promise<V>
  remove (id: string): Promise<void>
}

export interface Catalogue<T, V, A extends unknown[]> {
  api: CatalogueApi<V, A>
  has (id: string): boolean
  spec (id: string): T | undefined
  specs (): T[]
  /** Takes up an entry a backup import has just stored, unless one with its id is already in place. */
  adopt (id: string, spec: T): void
  /** Takes up what other instances stored (several hubs on one database); the config file's entries stay. */
  sync (): Promise<void>
  /** Retention: deletes the API entries `expired` picks, without the hooks; answers how many. */
  forget (expired: (spec: T) => boolean): Promise<number>
}

/**
 * Loads the kind's entries: the config file's first, then the stored ones it does not override. A built-in
 * entry is there unless the config file defines its id; a stored replacement of it keeps it built in.
 */
export async function openCatalogue<T extends { id: string }, V, A extends unknown[] = []> (
  store: NotifierStore, writes: StoreWrites, hooks: KindHooks<T, V, A>, fromConfig: readonly T[] = [], builtIn: readonly T[] = []
): Promise<Catalogue<T, V, A>> {
  const { kind, noun } = hooks
  const entries = new Map<string, Defined<T>>()
  for (const spec of builtIn) entries.set(spec.id, { spec, source: 'builtin' })
  for (const spec of fromConfig) entries.set(spec.id, { spec, source: 'config' })
  for (const { id, spec } of await store.definitions(kind)) {
    const known = entries.get(id)
    if (!known) entries.set(id, { spec: spec as T, source: 'api' })
    else if (known.source === 'builtin') entries.set(id, { spec: spec as T, source: 'builtin' })
  }

  function find (id: string): Defined<T> {
    const d = entries.get(id)
    if (!d) throw notFound(`no ${noun} with id ${id}`)
    return d
  }
  function findStored (id: string): Defined<T> {
    const d = find(id)
    if (d.source === 'config') throw conflict(`${noun} ${id} is defined in the config file; change it there`)
    return d
  }
  async function save (id: string, spec: T): Promise<V> {
    await writes.track(store.putDefinition(kind, id, spec))
    const d: Defined<T> = { spec, source: entries.get(id)?.source === 'builtin' ? 'builtin' : 'api' }
    entries.set(id, d)
    return hooks.view(d)
  }
  async function discard (id: string): Promise<void> {
    await writes.track(store.deleteDefinition(kind, id))
    entries.delete(id)
  }

  return {
    api: {
      list () {
        const all = [...entries.values()]
        if (hooks.order) all.sort((a, b) => hooks.order!(a.spec, b.spec))
        return all.map((d) => hooks.view(d))
      },
      get: (id) => hooks.view(find(id)),
      async create (body, ...args) {
        const spec = hooks.fromBody(body, null, ...args)
        if (entries.has(spec.id)) throw conflict(`${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun} with id ${spec.id} exists`)
        hooks.checkSave?.(spec)
        const view = await save(spec.id, spec)
        hooks.changed?.('create')
        return view
      },
      async update (id, body, ...args) {
        const old = findStored(id)
        const spec = hooks.fromBody(body, { id, old: old.spec }, ...args)
        hooks.checkSave?.(spec)
        const view = await save(id, spec)
        hooks.changed?.('update')
        return view
      },
      async remove (id) {
        if (findStored(id).source === 'builtin') throw conflict(`${noun} ${id} is built in and cannot be deleted; disable it with PUT and "enabled": false`)
        hooks.checkRemove?.(id)
        await discard(id)
        hooks.changed?.('remove')
      },
    },
    has: (id) => entries.has(id),
    spec: (id) => entries.get(id)?.spec,
    specs: () => [...entries.values()].map((d) => d.spec),
    adopt (id, spec) {
      if (entries.has(id)) return
      entries.set(id, { spec, source: 'api' })
      hooks.changed?.('create')
    },
    async sync () {
      const stored = new Map((await store.definitions(kind)).map((d) => [d.id, d.spec as T]))
      let changed = false
      for (const [id, d] of [...entries]) {
        if (d.source === 'api' && !stored.has(id)) { entries.delete(id); changed = true }
      }
      for (const [id, spec] of stored) {
        const known = entries.get(id)
        if (known?.source === 'config' || (known && JSON.stringify(known.spec) === JSON.stringify(spec))) continue
        entries.set(id, { spec, source: known?.source === 'builtin' ? 'builtin' : 'api' })
        changed = true
      }
      if (changed) hooks.changed?.('update')
    },
    async forget (expired) {
      const ids = [...entries].filter(([, d]) => d.source === 'api' && expired(d.spec)).map(([id]) => id)
      for (const id of ids) await discard(id)
      return ids.length
    },
  }
}
