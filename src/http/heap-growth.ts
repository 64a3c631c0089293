// How far V8 lets the old generation grow before its next full collection. Node 20's V8 grows it by a
// factor of up to 4× the heap that survived the last one: a hub with 100 MB live (20,000 services
// probing at 667/s, bench/probe.js) reached 420–440 MB of RSS with garbage before collecting it. A
// fixed factor is the wrong knob: 1.3 held that run to 250 MB but cost batch ingest, whose live heap
// is small, 15–20 % of its events/s in full collections. So on Node 20 the hub sets the factor from
// the start, and again after each full collection from the heap that survived it, for a headroom of
// `MCP_HEAP_HEADROOM_MB` (64 MB), between 1.1× and 2× (the bounds the scale benchmark measured): a
// small heap may double, a large one grows by the headroom. Later V8s are left alone (TUNES_HEAP).
// V8 reads the factor when it sets the next limit, so a change counts from the collection after the
// one that prompted it.
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'

/** percent bounds: below 10 % full collections come back to back; above 100 % a small heap's garbage would be let grow past twice its size */
const MIN_PERCENT = 10
const MAX_PERCENT = 100

/**
 * Whether this V8 gets the factor. Node 20's (V8 11) grows up to 4× on its own; Node 24's (V8 13) grows
 * far less (the test's churn peaked at 246 MB under its own policy against 579 MB on Node 20), and a
 * factor set on it raised its peak instead (408 MB): from V8 12 (Node 22) the hub leaves V8 alone.
 */
export const TUNES_HEAP = Number(process.versions.v8.split('.')[0]) < 12

let headroom = 0
let applied = -1
let observer: PerformanceObserver | null = null

/** The growth (percent over the surviving heap) that leaves `headroomMb` above a heap of `liveMb`, within the bounds. */
export function growingPercent (headroomMb: number, liveMb: number): number {
  return Math.max(MIN_PERCENT, Math.min(MAX_PERCENT, Math.round((headroomMb / Math.max(liveMb, 1)) * 100)))
}

function apply () {
  const percent = growingPercent(headroom, getHeapStatistics().used_heap_size / 1048576)
  if (percent === applied) return
  setFlagsFromString(`--heap-growing-percent=${percent}`)
  applied = percent
}

/** The factor this process last set (percent), or -1 while V8's own policy holds. */
export function appliedGrowingPercent (): number {
  return applied
}

/**
 * Keeps the old generation's growth between full collections near `headroomMb` (0, or a V8 of Node 22
 * and later: V8's own policy).
 * Process-wide: the last call's headroom holds; one observer serves every app in the process.
 */
export function limitHeapGrowth (headroomMb: number): void {
  headroom = TUNES_HEAP ? headroomMb : 0
  if (headroom === 0) {
    observer?.disconnect()
    observer = null
    if (applied !== -1) setFlagsFromString('--heap-growing-percent=0')
    applied = -1
    return
  }
  apply()
  if (observer) return
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (((e as unknown as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) { apply(); return }
    }
  })
  observer.observe({ entryTypes: ['gc'] })
}
