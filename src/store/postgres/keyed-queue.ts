// Runs the tasks given one key one after the other, in the order given; tasks of other keys run freely.
// A key's queue is dropped when it empties, so the map holds only keys with work in flight.

export type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>

export function keyedQueue (): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve()
    const run = prev.then(() => task())
    const tail = run.then(() => {}, () => {})
    tails.set(key, tail)
    void tail.then(() => { if (tails.get(key) === tail) tails.delete(key) })
    return run
  }
}
