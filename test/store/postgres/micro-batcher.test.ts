// The micro-batcher of the PostgreSQL engine: calls that arrive while a flush is in flight go in the
// next flush as one list; a failing list fails only its caller; a lost database fails the whole group;
// past its bound it refuses with 503.
import t from 'tap'
import { createMicroBatcher } from '../../../src/store/postgres/micro-batcher.js'

/** A run that answers each item doubled, holding each flush until `release()`; records the lists it ran. */
function gatedRun (fail: (items: number[]) => Error | undefined = () => undefined) {
  const runs: number[][] = []
  const gates: Array<() => void> = []
  const run = async (items: number[]) => {
    runs.push(items)
    await new Promise<void>((resolve) => gates.push(resolve))
    const err = fail(items)
    if (err) throw err
    return items.map((x) => x * 2)
  }
  const releaseAll = async () => { while (gates.length > 0 || runs.length === 0) { gates.shift()?.(); await new Promise((resolve) => setImmediate(resolve)) } }
  return { run, runs, releaseAll }
}

t.test('calls arriving during a flush are grouped into the next one, each answered its own part in order', async (t) => {
  const g = gatedRun()
  const b = createMicroBatcher(g.run)
  const first = b.submit([1])
  const rest = [b.submit([2, 3]), b.submit([4]), b.submit([5, 6, 7])]
  t.equal(b.queued, 6, 'three calls wait while the first flush is in flight')
  await g.releaseAll()
  t.same(await first, [2])
  t.same(await Promise.all(rest), [[4, 6], [8], [10, 12, 14]])
  t.same(g.runs, [[1], [2, 3, 4, 5, 6, 7]], 'two flushes: the first call alone, the next three as one list')
})

t.test('a group that fails is run again call by call: only the bad call fails', async (t) => {
  const g = gatedRun((items) => items.includes(-1) ? new Error('bad item') : undefined)
  const b = createMicroBatcher(g.run)
  const first = b.submit([1])
  const good = b.submit([2])
  const bad = t.rejects(b.submit([-1]), { message: 'bad item' })
  const alsoGood = b.submit([3])
  await g.releaseAll()
  t.same(await first, [2])
  t.same(await good, [4])
  await bad
  t.same(await alsoGood, [6])
  t.same(g.runs, [[1], [2, -1, 3], [2], [-1], [3]])
})

t.test('a lost database fails the whole group without running it again', async (t) => {
  const lost = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
  const g = gatedRun((items) => items.length > 1 ? lost : undefined)
  const b = createMicroBatcher(g.run)
  const first = b.submit([1])
  const group = [t.rejects(b.submit([2]), { code: 'ECONNREFUSED' }), t.rejects(b.submit([3]), { code: 'ECONNREFUSED' })]
  await g.releaseAll()
  await first
  await Promise.all(group)
  t.same(g.runs, [[1], [2, 3]])
})

t.test('past maxQueued rows a call is refused with 503; a flush holds at most maxItems rows', async (t) => {
  const g = gatedRun()
  const b = createMicroBatcher(g.run, { maxQueued: 5, maxItems: 3 })
  const first = b.submit([1])
  const waiting = [b.submit([2, 3]), b.submit([4, 5])]
  await t.rejects(b.submit([6, 7]), { name: 'StoreOverloadedError', kind: 'unavailable' })
  await g.releaseAll()
  await first
  t.same(await Promise.all(waiting), [[4, 6], [8, 10]])
  t.same(g.runs, [[1], [2, 3], [4, 5]], 'two calls of two rows do not fit in one flush of three')
  t.same(await b.submit([]), [], 'an empty call answers at once')
})
