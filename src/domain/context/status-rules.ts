// The registry's rules, pure: which status changes are allowed, and how a patch changes an item.
// The registry applies them to the item it read and the store replaces it only if it is unchanged
// since (a compare-and-set), so two racing updates cannot both pass the check against the same old
// status.
import { conflict } from '../shared/errors.js'
import type { ContextItem } from '../../store/ports/context.js'
import type { ContextKind } from '../shared/names.js'

export const MODEL_STATUSES = ['active', 'deprecated', 'retired'] as const
export const AGENT_STATUSES = ['active', 'paused', 'retired'] as const
export const TASK_STATUSES = ['submitted', 'working', 'input_required', 'completed', 'failed', 'canceled'] as const

const TERMINAL_TASK = new Set(['completed', 'failed', 'canceled'])

/** status → the statuses it may change to (staying the same is always allowed) */
export const TRANSITIONS: Record<ContextKind, Record<string, readonly string[]>> = {
  models: { active: ['deprecated', 'retired'], deprecated: ['active', 'retired'], retired: [] },
  agents: { active: ['paused', 'retired'], paused: ['active', 'retired'], retired: [] },
  tasks: {
    submitted: ['working', 'canceled', 'failed'],
    working: ['input_required', 'completed', 'failed', 'canceled'],
    input_required: ['working', 'canceled', 'failed'],
    completed: [],
    failed: [],
    canceled: [],
  },
}

const singular = (kind: ContextKind) => kind.slice(0, -1)

export function checkTransition (kind: ContextKind, id: string, from: string, to: string): void {
  if (from === to) return
  const allowed = TRANSITIONS[kind][from] ?? []
  if (!allowed.includes(to)) {
    throw conflict(`${singular(kind)} ${id} cannot go from ${from} to ${to}` +
      (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ` (${from} is final)`))
  }
}

/** Timestamps a task carries by status: when work started and when it ended. */
function stampTask (before: ContextItem | null, after: ContextItem, now: string): void {
  if (after.status === 'working' && after.startedAt == null) after.startedAt = now
  if (TERMINAL_TASK.has(after.status) && (before === null || !TERMINAL_TASK.has(before.status))) after.completedAt = now
}

/** A new item as stored: timestamps set, task stamps applied. */
export function newItem (kind: ContextKind, fields: Record<string, unknown> & { id: string, name: string, status: string }, now: string): ContextItem {
  const item: ContextItem = { ...fields, createdAt: now, updatedAt: now }
  if (kind === 'tasks') stampTask(null, item, now)
  return item
}

/** The item after a patch: fields merged, the status change checked, id and createdAt kept. */
export function applyPatch (kind: ContextKind, before: ContextItem, patch: Record<string, unknown>, now: string): ContextItem {
  if (typeof patch.status === 'string') checkTransition(kind, before.id, before.status, patch.status)
  const after: ContextItem = { ...before, ...patch, id: before.id, createdAt: before.createdAt, updatedAt: now }
  // null in a patch clears an optional field
  for (const [k, v] of Object.entries(patch)) if (v === null) delete after[k]
  if (kind === 'tasks') stampTask(before, after, now)
  return after
}
