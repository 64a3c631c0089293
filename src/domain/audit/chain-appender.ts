// The audit trail's appender: the domain chains the drafts (hash-chain.ts) and the store's
// compare-and-append stores them only if they continue its tail.
//
// The appender keeps the tip, the last entry it chained, in memory and pipelines: a batch is chained
// from the one before it while that one is still being written, as the store writes appends in the
// order they are asked for. A failed append leaves the tip untrusted (what was chained after it links
// to entries that are not stored, and a conflict means the trail moved under the appender: a backup
// import, another hub on the same database). The appender then chains nothing new, waits until every
// append in flight has settled, reads the store's tail once and chains again from it: first the
// batches refused with a conflict (each retried at most `maxConflicts` times), then those asked for
// meanwhile, all in the order they were asked for. Other failures (a busy or closing store, a bad
// batch) go to their callers.
import type { AuditLink, AuditStore } from '../../store/ports/audit.js'
import { isDomainError } from '../shared/errors.js'
import { chainEntries, type AuditDraft, type AuditEntry } from './hash-chain.js'

export interface ChainAppenderOptions {
  /** times one batch is chained again after a conflict before the conflict goes to its caller */
  maxConflicts?: number
}

interface Job {
  /** when it was asked for: batches are chained in this order */
  order: number
  drafts: AuditDraft[]
  conflicts: number
  resolve (entries: AuditEntry[]): void
  reject (err: unknown): void
}

export function createChainAppender (store: Pick<AuditStore, 'append' | 'tail'>, opts: ChainAppenderOptions = {}) {
  // several instances append to one trail on PostgreSQL: a batch may lose a few rounds in a row
  const maxConflicts = opts.maxConflicts ?? 20
  /** the last entry chained, stored or in flight; undefined when the trail is empty */
  let tip: AuditLink | undefined
  /** false until the tail is read, and again from a failed append until it is read anew */
  let tipKnown = false
  let inFlight = 0
  let reading = false
  /** batches waiting for the tip to be known: conflicts to retry, and those asked for meanwhile */
  let waiting: Job[] = []
  let asked = 0

  function send (job: Job): void {
    let entries: AuditEntry[]
    let written: Promise<void>
    try {
      entries = chainEntries(tip, job.drafts)
      written = store.append(entries)
    } catch (err) {
      job.reject(err)
      return
    }
    const last = entries[entries.length - 1]
    tip = { seq: last.seq, hash: last.hash }
    inFlight++
    written.then(() => {
      inFlight--
      job.resolve(entries)
      resume()
    }, (err: unknown) => {
      inFlight--
      tipKnown = false
      if (isDomainError(err, 'conflict') && job.conflicts < maxConflicts) {
        job.conflicts++
        waiting.push(job)
        // another instance appending at the same moment: a few random milliseconds apart, the two stop
        // re-reading the tail in step and losing to each other
        setTimeout(resume, Math.random() * 5)
        return
      }
      job.reject(err)
      resume()
    })
  }

  /** Once nothing is in flight, reads the tail and chains the waiting batches from it, in order. */
  function resume (): void {
    if (tipKnown || inFlight > 0 || reading || waiting.length === 0) return
    reading = true
    store.tail().then((tail) => {
      reading = false
      tip = tail
      tipKnown = true
      const jobs = waiting.sort((a, b) => a.order - b.order)
      waiting = []
      for (const job of jobs) send(job)
    }, (err: unknown) => {
      reading = false
      const jobs = waiting
      waiting = []
      for (const job of jobs) job.reject(err)
    })
  }

  return {
    /** Reads the store's tail unless an append already did; appends read it themselves otherwise. */
    async init (): Promise<void> {
      const idle = () => !tipKnown && inFlight === 0 && !reading && waiting.length === 0
      if (!idle()) return
      const tail = await store.tail()
      if (!idle()) return
      tip = tail
      tipKnown = true
    },

    /** Chains the drafts after the tip and stores them; answers the stored entries. */
    append (drafts: AuditDraft[]): Promise<AuditEntry[]> {
      if (drafts.length === 0) return Promise.resolve([])
      return new Promise<AuditEntry[]>((resolve, reject) => {
        const job: Job = { order: asked++, drafts, conflicts: 0, resolve, reject }
        if (tipKnown) send(job)
        else { waiting.push(job); resume() }
      })
    },
  }
}

export type ChainAppender = ReturnType<typeof createChainAppender>
