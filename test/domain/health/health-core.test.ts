import t from 'tap'
import { initialState, nextState, type StateRecord } from '../../../src/domain/health/state-machine.js'
import { createScheduler, spreadOffset } from '../../../src/domain/health/scheduler.js'
import type { Verdict } from '../../../src/domain/health/adapters/prober.js'
import { fakeClock } from '../../fixtures/wait.js'

const th = { failureThreshold: 2, successThreshold: 3 }
const run = (s: StateRecord, verdicts: Verdict[]) => verdicts.reduce<{ s: StateRecord, trail: string[] }>((acc, v, i) => {
  const n = nextState(acc.s, v, th, i + 1)
  return { s: n, trail: [...acc.trail, n.state] }
}, { s, trail: [] })

t.test('state machine follows the thresholds', async (t) => {
  t.same(run(initialState(0), ['up']).trail, ['up'], 'the first check decides')
  t.same(run(initialState(0), ['down']).trail, ['down'])
  t.same(run(initialState(0), ['up', 'down', 'up', 'down', 'down']).trail, ['up', 'up', 'up', 'up', 'down'], 'down only after 2 consecutive failures')
  t.same(run(initialState(0), ['up', 'degraded', 'degraded', 'up', 'up', 'up']).trail, ['up', 'up', 'degraded', 'degraded', 'degraded', 'up'])
  t.same(run(initialState(0), ['up', 'degraded', 'down']).trail, ['up', 'up', 'degraded'], 'two not-up checks of mixed kind degrade')
  t.same(run(initialState(0), ['down', 'up', 'up', 'down', 'up', 'up', 'up']).trail, ['down', 'down', 'down', 'down', 'down', 'down', 'up'], 'up again after 3 consecutive successes')
  t.same(run(initialState(0), ['down', 'degraded', 'up', 'degraded']).trail, ['down', 'down', 'down', 'degraded'], 'recovering into a degraded check lands in degraded')
  const r = run(initialState(0), ['up', 'up', 'down', 'down'])
  t.equal(r.s.since, 4, 'since is the time of the transition')
  t.equal(nextState({ ...initialState(0), state: 'paused' }, 'down', th, 9).state, 'paused')
})

t.test('scheduler: spread, bounded concurrency, a hanging run does not delay others', async (t) => {
  // the scheduler's timer, its clock and the runs' own durations all on a fake clock, moved by the test
  const clock = fakeClock(t)
  let running = 0
  let maxRunning = 0
  const runs = new Map<string, number>()
  const s = createScheduler({
    concurrency: 3,
    now: () => Date.now(),
    run: async (key) => {
      running++
      maxRunning = Math.max(maxRunning, running)
      runs.set(key, (runs.get(key) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, key === 'hang' ? 1500 : 20))
      running--
    },
  })
  const start = Date.now()
  s.schedule('hang', 200, start)
  for (let i = 0; i < 10; i++) s.schedule(`k${i}`, 200, start + spreadOffset(`k${i}`, 200))
  await clock.advance(1100)
  t.equal(maxRunning, 3, 'the pool fills up to its bound, never beyond')
  for (let i = 0; i < 10; i++) t.ok((runs.get(`k${i}`) ?? 0) >= 4, `k${i} ran on schedule (${runs.get(`k${i}`)})`)
  t.equal(runs.get('hang'), 1, 'the hanging key skips its turns instead of piling up')
  t.ok(s.stats().skipped >= 3)
  t.ok((s.driftPercentile(99) ?? Infinity) < 100, `p99 drift ${s.driftPercentile(99)} ms`)
  s.remove('k0')
  const before = runs.get('k0')
  await clock.advance(450)
  t.equal(runs.get('k0'), before, 'a removed key runs no more')
  // stop waits for the runs under way, which end on the fake clock (none lasts longer than 1500 ms)
  const stopped = s.stop()
  await clock.advance(1500, 5)
  await stopped
  t.equal(running, 0, 'stop waited for the runs under way')
  const offsets = Array.from({ length: 1000 }, (_, i) => spreadOffset(`svc-${i}`, 10_000))
  t.ok(offsets.every((o) => o >= 0 && o < 10_000))
  const buckets = new Array(10).fill(0)
  for (const o of offsets) buckets[Math.floor(o / 1000)]++
  t.ok(buckets.every((b) => b > 50), `start times spread over the interval (${buckets})`)
})

t.test('runNow joins a run under way', async (t) => {
  let n = 0
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const s = createScheduler({ concurrency: 1, run: async () => { n++; await gate } })
  t.teardown(() => s.stop())
  const both = Promise.all([s.runNow('a'), s.runNow('a')])
  release()
  await both
  t.equal(n, 1)
})

t.test('scheduler: each key fires on its own interval, at its due times, and a backlog drains in order', async (t) => {
  const clock = fakeClock(t)
  const starts = new Map<string, number[]>()
  const s = createScheduler({
    concurrency: 3,
    now: () => Date.now(),
    run: async (key) => {
      const list = starts.get(key) ?? []
      list.push(Date.now())
      starts.set(key, list)
      await new Promise((resolve) => setTimeout(resolve, 1))
    },
  })
  t.teardown(() => s.stop())
  const t0 = Date.now()
  const intervals = { fast: 100, mid: 250, slow: 1000 }
  for (const [key, every] of Object.entries(intervals)) s.schedule(key, every, t0 + 10)
  await clock.advance(3000, 10)
  for (const [key, every] of Object.entries(intervals)) {
    const got = starts.get(key) ?? []
    const want = Array.from({ length: Math.floor((3000 - 10) / every) + 1 }, (_, i) => t0 + 10 + i * every)
    t.same(got, want, `${key} ran every ${every} ms from its first due time`)
  }
  t.equal(s.stats().skipped, 0)
  t.equal(s.driftPercentile(99), 0, 'no drift on an idle clock')

  // 3,000 keys due at once through a pool of 2: every one runs, in due order, none skipped
  const order: string[] = []
  const many = createScheduler({ concurrency: 2, now: () => Date.now(), run: async (key) => { order.push(key) } })
  t.teardown(() => many.stop())
  const t1 = Date.now()
  for (let i = 0; i < 3000; i++) many.schedule(`k${i}`, 60_000, t1 + 5 + Math.floor(i / 100))
  await clock.advance(100, 5)
  t.equal(order.length, 3000, 'the backlog drained')
  const dueGroups = order.map((k) => Math.floor(Number(k.slice(1)) / 100))
  t.ok(dueGroups.every((g, i) => i === 0 || g >= dueGroups[i - 1]), 'earlier due times ran first')
  t.equal(new Set(order).size, 3000, 'each key once')
  t.equal(many.stats().queued, 0)
  t.equal(many.stats().skipped, 0)
})
