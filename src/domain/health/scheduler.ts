// The probe scheduler: each key runs on its own interval, from a first due time the caller spreads.
// One timer serves every key (a min-heap of due times); runs start through a bounded pool, so a slow
// or hanging target holds one slot, never the schedule of the others. A key whose previous run is
// still queued or running when it falls due again skips that turn (counted), so work never piles up.

interface Entry { key: string, due: number, interval: number, gen: number }

class DueHeap {
  private items: Entry[] = []
  get size () { return this.items.length }
  peek (): Entry | undefined { return this.items[0] }
  push (e: Entry) {
    const a = this.items
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (a[p].due <= a[i].due) break;
      [a[p], a[i]] = [a[i], a[p]]
      i = p
    }
  }

  pop (): Entry | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && a[l].due < a[m].due) m = l
        if (r < a.length && a[r].due < a[m].due) m = r
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]]
        i = m
      }
    }
    return top
  }

  clear () { this.items = [] }
}

export interface SchedulerOptions {
  /** most runs at once */
  concurrency: number
  /** one run of one key; its rejection is reported to onError, never thrown */
  run: (key: string) => Promise<unknown>
  onError?: (err: unknown, key: string) => void
  now?: () => number
  /** how many recent drift samples to keep for percentiles */
  driftSamples?: number
}

export interface SchedulerStats {
  keys: number
  running: number
  queued: number
  started: number
  skipped: number
}

export function createScheduler (opts: SchedulerOptions) {
  const now = opts.now ?? Date.now
  const heap = new DueHeap()
  const live = new Map<string, { gen: number, interval: number }>()
  // runs waiting for a slot, oldest first: `queue[qHead]` is next (an index, not shift(): a backlog of
  // thousands must not cost a copy of the array per start)
  let queue: Array<{ key: string, due: number }> = []
  let qHead = 0
  const queued = new Set<string>()
  const running = new Map<string, Promise<void>>()
  const drift = new Float64Array(opts.driftSamples ?? 10_000)
  let driftCount = 0
  let timer: NodeJS.Timeout | null = null
  let timerAt = Infinity
  let stopped = false
  let gen = 0
  let started = 0
  let skipped = 0

  function arm () {
    if (stopped) return
    // drop entries of removed or rescheduled keys lazily
    let top = heap.peek()
    while (top && live.get(top.key)?.gen !== top.gen) { heap.pop(); top = heap.peek() }
    if (!top) { if (timer) { clearTimeout(timer); timer = null; timerAt = Infinity } return }
    if (timer && timerAt <= top.due) return
    if (timer) clearTimeout(timer)
    timerAt = top.due
    timer = setTimeout(fire, Math.max(0, top.due - now()))
    timer.unref()
  }

  function fire () {
    timer = null
    timerAt = Infinity
    const t = now()
    for (let top = heap.peek(); top && top.due <= t; top = heap.peek()) {
      heap.pop()
      const cur = live.get(top.key)
      if (cur?.gen !== top.gen) continue
      if (running.has(top.key) || queued.has(top.key)) skipped++
      else { queue.push({ key: top.key, due: top.due }); queued.add(top.key) }
      // keep the phase; after a long stall, skip the turns already missed
      let next = top.due + top.interval
      if (next <= t) next += Math.ceil((t - next + 1) / top.interval) * top.interval
      heap.push({ key: top.key, due: next, interval: top.interval, gen: top.gen })
    }
    pump()
    arm()
  }

  function start (key: string, due: number | null): Promise<void> {
    const t = now()
    if (due !== null) drift[driftCount++ % drift.length] = t - due
    started++
    const p = Promise.resolve()
      .then(() => opts.run(key))
      .then(() => undefined, (err) => { opts.onError?.(err, key) })
      .finally(() => { running.delete(key); pump() })
    running.set(key, p)
    return p
  }

  function pump () {
    // eslint-disable-next-line no-unmodified-loop-condition -- stop() sets it between runs
    while (!stopped && running.size < opts.concurrency && qHead < queue.length) {
      const { key, due } = queue[qHead++]
      if (qHead >= 1024 && qHead * 2 >= queue.length) { queue = queue.slice(qHead); qHead = 0 }
      queued.delete(key)
      if (!live.has(key)) continue
      start(key, due)
    }
  }

  return {
    /** Adds or reschedules `key`: first run at `firstDue` (ms epoch), then every `interval` ms. */
    schedule (key: string, interval: number, firstDue: number) {
      const g = ++gen
      live.set(key, { gen: g, interval })
      heap.push({ key, due: firstDue, interval, gen: g })
      arm()
    },
    remove (key: string) {
      live.delete(key)
      arm()
    },
    has: (key: string) => live.has(key),
    /** Runs `key` now, outside the schedule and the pool; joins a run already under way. */
    runNow (key: string): Promise<void> {
      const cur = running.get(key)
      if (cur) return cur
      if (queued.has(key)) {
        queued.delete(key)
        const i = queue.findIndex((q, j) => j >= qHead && q.key === key)
        if (i >= 0) queue.splice(i, 1)
      }
      return start(key, null)
    },
    stats (): SchedulerStats {
      return { keys: live.size, running: running.size, queued: queue.length - qHead, started, skipped }
    },
    /** Drift (actual start − due time, ms) at percentile `p` (0–100) over recent runs. */
    driftPercentile (p: number): number | null {
      const n = Math.min(driftCount, drift.length)
      if (n === 0) return null
      const sorted = Array.from(drift.subarray(0, n)).sort((a, b) => a - b)
      return sorted[Math.min(n - 1, Math.floor((p / 100) * n))]
    },
    resetDrift () { driftCount = 0 },
    /** Stops scheduling and waits for the runs under way. */
    async stop () {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      heap.clear()
      live.clear()
      queue = []
      qHead = 0
      queued.clear()
      await Promise.all(running.values())
    },
  }
}

export type Scheduler = ReturnType<typeof createScheduler>

/** A stable offset in [0, span) for `key`, so start times spread evenly and survive restarts. */
export function spreadOffset (key: string, span: number): number {
  let h = 2166136261
  for (let i = 0; i < key.length; i++) { h ^= key.charCodeAt(i); h = Math.imul(h, 16777619) }
  return span <= 0 ? 0 : (h >>> 0) % Math.floor(span)
}
