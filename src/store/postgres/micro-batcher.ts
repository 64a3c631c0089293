// Groups concurrent writes of one instance into one statement, as the SQLite engine's group-commit
// writer does: while a flush is in flight, the calls that arrive queue up, and the next flush runs them
// all as one list. Event writes are serialised across instances (one advisory lock), so one
// transaction of a thousand rows costs about what one of a single row does: grouping is what makes
// many small requests fast. A flush of several calls that fails for a reason other than a lost
// database runs each call alone again, so that one caller's bad list fails only that caller.
import { StoreOverloadedError } from '../ports/store.js'
import { isUnavailable } from './errors.js'

interface Call<I, O> { items: I[], resolve (out: O[]): void, reject (err: unknown): void }

export interface MicroBatcherOptions {
  /** rows in one flush at most (one call larger than this still runs whole) */
  maxItems?: number
  /** rows waiting at most; past it calls are refused with StoreOverloadedError (503) */
  maxQueued?: number
}

export function createMicroBatcher<I, O> (run: (items: I[]) => Promise<O[]>, opts: MicroBatcherOptions = {}) {
  const maxItems = opts.maxItems ?? 5000
  const maxQueued = opts.maxQueued ?? 100_000
  const queue: Array<Call<I, O>> = []
  let queued = 0
  let flushing = false

  async function runAlone (call: Call<I, O>): Promise<void> {
    try { call.resolve(await run(call.items)) } catch (err) { call.reject(err) }
  }

  async function flush (): Promise<void> {
    flushing = true
    while (queue.length > 0) {
      const group: Array<Call<I, O>> = []
      let rows = 0
      while (queue.length > 0 && (group.length === 0 || rows + queue[0].items.length <= maxItems)) {
        const call = queue.shift()!
        group.push(call)
        rows += call.items.length
      }
      queued -= rows
      if (group.length === 1) { await runAlone(group[0]); continue }
      let out: O[]
      try {
        out = await run(group.flatMap((c) => c.items))
      } catch (err) {
        if (isUnavailable(err) || (err as Error).name === 'StoreUnavailableError') { for (const c of group) c.reject(err); continue }
        for (const c of group) await runAlone(c)
        continue
      }
      let at = 0
      for (const c of group) { c.resolve(out.slice(at, at + c.items.length)); at += c.items.length }
    }
    flushing = false
  }

  return {
    submit (items: I[]): Promise<O[]> {
      if (items.length === 0) return Promise.resolve([])
      if (queued > 0 && queued + items.length > maxQueued) return Promise.reject(new StoreOverloadedError())
      return new Promise<O[]>((resolve, reject) => {
        queue.push({ items, resolve, reject })
        queued += items.length
        if (!flushing) void flush()
      })
    },
    /** rows waiting for a flush */
    get queued () { return queued },
  }
}
