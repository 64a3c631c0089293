// The state machine of one monitored service. Pure: a state and a check verdict in, the next state out.
//
// unknown → the first check decides (up, degraded or down), since there is nothing to debounce yet.
// up → degraded after `failureThreshold` consecutive checks that are not up; → down after as many down.
// degraded → down after `failureThreshold` consecutive down checks; → up after `successThreshold` up.
// down → up (or degraded, if the last good check was) after `successThreshold` checks that are not down.
// paused: not checked; resuming goes back to unknown.
import type { ServiceState } from '../shared/names.js'
import type { Verdict } from './adapters/probe-types.js'

export interface Counters {
  /** consecutive down verdicts */
  failures: number
  /** consecutive verdicts other than up */
  notUp: number
  /** consecutive up verdicts */
  successes: number
  /** consecutive verdicts other than down */
  notDown: number
}

export interface StateRecord extends Counters {
  state: ServiceState
  /** ms epoch the state was entered */
  since: number
}

export interface Thresholds { failureThreshold: number, successThreshold: number }

export const initialState = (now: number): StateRecord => ({ state: 'unknown', since: now, failures: 0, notUp: 0, successes: 0, notDown: 0 })

export function countVerdict (c: Counters, v: Verdict): Counters {
  return {
    failures: v === 'down' ? c.failures + 1 : 0,
    notUp: v !== 'up' ? c.notUp + 1 : 0,
    successes: v === 'up' ? c.successes + 1 : 0,
    notDown: v !== 'down' ? c.notDown + 1 : 0,
  }
}

/** The state after one more check; `since` changes only with the state. */
export function nextState (prev: StateRecord, verdict: Verdict, t: Thresholds, at: number): StateRecord {
  if (prev.state === 'paused') return prev
  const c = countVerdict(prev, verdict)
  let state: ServiceState = prev.state
  switch (prev.state) {
    case 'unknown':
      state = verdict
      break
    case 'up':
      if (c.failures >= t.failureThreshold) state = 'down'
      else if (c.notUp >= t.failureThreshold) state = 'degraded'
      break
    case 'degraded':
      if (c.failures >= t.failureThreshold) state = 'down'
      else if (c.successes >= t.successThreshold) state = 'up'
      break
    case 'down':
      if (c.notDown >= t.successThreshold) state = verdict === 'up' ? 'up' : 'degraded'
      break
  }
  return { ...c, state, since: state === prev.state ? prev.since : at }
}

export const pausedState = (now: number): StateRecord => ({ state: 'paused', since: now, failures: 0, notUp: 0, successes: 0, notDown: 0 })

/** Incidents: each down or degraded period is one. */
export const isIncidentState = (s: ServiceState): s is 'down' | 'degraded' => s === 'down' || s === 'degraded'
