// The check recorder: turns each finished probe into a check and the service's next state (the state
// machine), stores the check with any transition and incident in one write, in batches, and then
// publishes `service.checked` and `service.transition` on the bus.
import { monotonicFactory } from 'ulidx'
import type { Bus } from '../shared/bus.js'
import type { ServiceTransition } from './topics.js'
import type { CheckRecord, IncidentRecord, ServiceStateRecord, StateChange } from '../../store/ports/health.js'
import type { Store } from '../../store/ports/store.js'
import type { ProbeResult } from './adapters/probe-types.js'
import type { MonitoredService } from './monitored-service.js'
import { isIncidentState, nextState } from './state-machine.js'
import { iso } from './views.js'

/** a batch is written at once when it reaches this many checks, without waiting for the timer */
const MAX_BATCH = 500

export interface CheckRecorderOptions {
  store: Store
  bus: Bus
  /** checks are written in batches, at most this long after they finish (default 100 ms) */
  checkFlushMs?: number
  /** whether a service is in a maintenance window at a time (the notifier's windows) */
  inMaintenance?: (service: string, at: number, tags: readonly string[]) => boolean
}

export function createCheckRecorder (opts: CheckRecorderOptions) {
  const { store, bus } = opts
  const nextId = monotonicFactory()

  // Checks finish one by one; writing them in small batches keeps the writer thread to a few
  // transactions a second at thousands of services. A check's state change is published after its batch commits.
  const pendingChecks: Array<{ item: { check: CheckRecord, change: StateChange }, resolve: (seq: number) => void, reject: (err: unknown) => void }> = []
  let flushTimer: NodeJS.Timeout | null = null
  function queueCheck (check: CheckRecord, change: StateChange): Promise<number> {
    return new Promise((resolve, reject) => {
      pendingChecks.push({ item: { check, change }, resolve, reject })
      if (pendingChecks.length >= MAX_BATCH) flush()
      else if (!flushTimer) flushTimer = setTimeout(flush, opts.checkFlushMs ?? 100)
    })
  }

  /** Writes the checks queued so far now (the hub closing does not wait for the timer). */
  function flush () {
    if (flushTimer) { clearTimeout(flushTimer); flushTimer = null }
    const batch = pendingChecks.splice(0)
    if (batch.length === 0) return
    store.health.recordChecks(batch.map((b) => b.item)).then(
      (seqs) => batch.forEach((b, i) => b.resolve(seqs[i])),
      (err) => batch.forEach((b) => b.reject(err))
    )
  }

  /** Records one probe's result for a service: its check, next state and incident; resolves once stored and published. */
  async function record (entry: MonitoredService, r: ProbeResult) {
    const name = entry.def.name
    const prev = entry.state
    const next = nextState(prev, r.verdict, entry.def, r.at)
    const check: CheckRecord = {
      service: name,
      at: r.at,
      verdict: r.verdict,
      latencyMs: r.latencyMs,
      httpStatus: r.httpStatus,
      errorClass: r.errorClass,
      message: r.message,
      tlsDaysLeft: r.tlsDaysLeft,
      maintenance: opts.inMaintenance?.(name, r.at, entry.def.tags) ?? false,
    }
    let transition: ServiceTransition | null = null
    let closeIncidentId: string | null = null
    let openIncident: IncidentRecord | null = null
    let incidentId = prev.incidentId
    if (next.state !== prev.state) {
      if (prev.incidentId) { closeIncidentId = prev.incidentId; incidentId = null }
      if (isIncidentState(next.state)) {
        openIncident = { id: nextId(r.at), service: name, kind: next.state, cause: r.cause, startedAt: r.at, endedAt: null }
        incidentId = openIncident.id
      }
      transition = {
        service: name,
        tags: entry.def.tags,
        dependsOn: entry.def.dependsOn,
        from: prev.state,
        to: next.state,
        at: iso(r.at),
        cause: isIncidentState(next.state) ? r.cause : null,
        incidentId: openIncident?.id ?? closeIncidentId,
      }
    }
    const state: ServiceStateRecord = { service: name, ...next, incidentId, lastCheck: check }
    entry.state = state
    const change: StateChange = { state, at: r.at, closeIncidentId, openIncident }
    const seq = await queueCheck(check, change)
    check.seq = seq
    bus.publish('service.checked', { service: name, verdict: check.verdict, latencyMs: check.latencyMs, errorClass: check.errorClass })
    if (transition) bus.publish('service.transition', transition)
  }

  /**
   * Moves a service to a state no check caused (paused, or unknown on resuming): closes its open
   * incident, keeps its last check, stores the change and publishes the transition.
   */
  async function changeState (entry: MonitoredService, to: ServiceStateRecord, cause: string | null) {
    const prev = entry.state
    const closeIncidentId = prev.incidentId
    entry.state = { ...to, incidentId: null, lastCheck: prev.lastCheck }
    await store.health.changeState({ state: entry.state, at: to.since, closeIncidentId })
    if (prev.state !== to.state) {
      bus.publish('service.transition', {
        service: entry.def.name,
        tags: entry.def.tags,
        dependsOn: entry.def.dependsOn,
        from: prev.state,
        to: to.state,
        at: iso(to.since),
        cause,
        incidentId: closeIncidentId,
      })
    }
  }

  return { record, changeState, flush }
}

export type CheckRecorder = ReturnType<typeof createCheckRecorder>
