// The registry's items as clients of the original design send them: an agent {id, type, status}
// without a name, a task {name, status: 'success', timestamp}. Mapped here onto the registry's own
// fields and statuses, so the rules (status-rules.ts) and the store see one shape. Pure.
import { invalid } from '../shared/errors.js'
import { parseProducerTime } from '../shared/producer-time.js'
import type { ContextKind } from '../shared/names.js'

/** The original design's task statuses, and ours they stand for. */
export const TASK_STATUS_ALIASES: Readonly<Record<string, string>> = { success: 'completed', failure: 'failed' }

const taskStatus = (status: unknown) => typeof status === 'string' ? (TASK_STATUS_ALIASES[status] ?? status) : status

/** A create body in the registry's shape: an agent's name defaults to its id; a task's status and timestamp mapped. */
export function createInputOf (kind: ContextKind, input: Record<string, unknown>): Record<string, unknown> & { name: string, status: string } {
  const out: Record<string, unknown> = { ...input }
  if (out.name === undefined) {
    if (kind !== 'agents' || typeof out.id !== 'string') throw invalid(kind === 'agents' ? 'body/name is required (or an id, which then names the agent)' : 'body/name is required')
    out.name = out.id
  }
  if (kind === 'tasks') {
    out.status = taskStatus(out.status)
    if (out.timestamp !== undefined) {
      const at = parseProducerTime(out.timestamp)
      if (typeof at === 'string') throw invalid(`body/timestamp ${at}`)
      out.reportedAt = at.text
    }
    delete out.timestamp
  }
  return out as Record<string, unknown> & { name: string, status: string }
}

/** A patch in the registry's shape: a task's original status mapped. */
export function patchOf (kind: ContextKind, patch: Record<string, unknown>): Record<string, unknown> {
  return kind === 'tasks' && patch.status !== undefined ? { ...patch, status: taskStatus(patch.status) } : patch
}
