// The store writes the notifier makes: tracked so close() can wait for the ones still in flight, and
// retried while the store is only busy for the writes no caller is waiting on.
import { StoreOverloadedError } from '../../store/ports/store.js'

export interface StoreWrites {
  /** remembers `p` until it settles; returns it */
  track<T> (p: Promise<T>): Promise<T>
  /** resolves once every tracked write has settled, including writes started meanwhile */
  settled (): Promise<void>
}

export function trackStoreWrites (): StoreWrites {
  const pending = new Set<Promise<unknown>>()
  return {
    track (p) {
      pending.add(p)
      p.then(() => pending.delete(p), () => pending.delete(p))
      return p
    },
    async settled () {
      while (pending.size) await Promise.allSettled([...pending])
    },
  }
}

/** A write the notifier cannot answer 503 for (it has no caller): retried while the store is only busy. */
export async function durably<T> (write: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await write()
    } catch (err) {
      if (!(err instanceof StoreOverloadedError) || i >= 10) throw err
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** i)))
    }
  }
}
