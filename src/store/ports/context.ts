// The context area of the storage port: models, agents and tasks as documents with indexed fields.
import type { ContextKind } from '../../domain/shared/names.js'

/** A model, agent or task: its indexed fields plus the rest of its document. */
export interface ContextItem {
  id: string
  name: string
  status: string
  createdAt: string
  updatedAt: string
  [field: string]: unknown
}

export interface ContextStore {
  list (kind: ContextKind, filter: { status?: string, name?: string, afterId?: string, limit: number }): Promise<ContextItem[]>
  get (kind: ContextKind, id: string): Promise<ContextItem | undefined>
  /** a conflict DomainError when the id is taken */
  create (kind: ContextKind, item: ContextItem): Promise<ContextItem>
  /**
   * Compare-and-set: replaces the stored item with `after` (same id) only if it is still `before`, as
   * `get` answered it, unchanged since (every field, updatedAt too), checked inside the write's
   * transaction. Answers false and changes nothing when it changed or is gone; the caller reads again.
   */
  replace (kind: ContextKind, before: ContextItem, after: ContextItem): Promise<boolean>
  delete (kind: ContextKind, id: string): Promise<ContextItem | undefined>
  /** the most recently updated task with this name */
  latestTask (name: string): Promise<ContextItem | undefined>
}
