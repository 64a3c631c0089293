// The election's rules with a lease given as plain functions: it leads with the token the lease answers,
// follows at once when a renewal is refused or fails or does not come back before the lease ends, and
// changes leader-only jobs in order (stop before start), releasing the lease when it stops.
import t from 'tap'
import { createLeadership, type LeadershipOptions } from '../../../src/domain/cluster/leadership.js'

const quiet = { info () {}, warn () {}, error () {} }
// the election's timers do not hold the process open (unref): this one does, while the tests wait
const alive = setInterval(() => {}, 1000)
t.teardown(() => clearInterval(alive))

function harness (acquire: LeadershipOptions['acquire'], leaseMs = 300) {
  const calls: string[] = []
  const waiters: Array<{ n: number, resolve: () => void }> = []
  const note = (c: string) => {
    calls.push(c)
    for (const w of [...waiters]) if (calls.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve() }
  }
  const l = createLeadership({
    leaseMs,
    acquire,
    release: async () => { note('release') },
    onLead: async (token) => { note(`lead ${token}`) },
    onFollow: async () => { note('follow') },
    log: quiet,
  })
  /** resolves once `n` calls were noted */
  const after = (n: number) => new Promise<void>((resolve) => { if (calls.length >= n) resolve(); else waiters.push({ n, resolve }) })
  return { l, calls, after }
}

t.test('leads with the token, keeps leading while renewals keep it, releases on stop', async (t) => {
  let acquired = 0
  const { l, calls } = harness(async () => { acquired++; return 7 })
  await l.start()
  t.same(l.state().role, 'leader')
  t.equal(l.state().token, 7)
  t.same(calls, ['lead 7'])
  // eslint-disable-next-line no-unmodified-loop-condition -- the election's renewals count it up
  while (acquired < 4) await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(calls, ['lead 7'], 'renewals under the same token change nothing')
  await l.stop()
  t.same(calls, ['lead 7', 'follow', 'release'], 'stopping stops the jobs, then releases the lease')
  t.equal(l.isLeader(), false)
})

t.test('a refused renewal makes it follow at once; a later grant leads again under the new token', async (t) => {
  const answers: Array<number | null> = [1, null, null, 2]
  const { l, calls, after } = harness(async () => answers.length > 1 ? answers.shift()! : answers[0])
  await l.start()
  await after(3)
  t.same(calls.slice(0, 3), ['lead 1', 'follow', 'lead 2'])
  t.equal(l.state().token, 2)
  t.equal(l.state().changes, 3)
  await l.stop()
})

t.test('a renewal that fails (database gone) makes it follow', async (t) => {
  let n = 0
  const { l, calls, after } = harness(async () => { if (n++ === 0) return 3; throw Object.assign(new Error('gone'), { code: 'ECONNREFUSED' }) })
  await l.start()
  await after(2)
  t.same(calls.slice(0, 2), ['lead 3', 'follow'])
  t.equal(l.isLeader(), false)
  await l.stop()
  t.notOk(calls.includes('release'), 'a follower releases nothing')
})

t.test('a renewal that hangs past the lease makes it follow before the lease could have passed to another', async (t) => {
  let n = 0
  const { l, calls, after } = harness(() => n++ === 0 ? Promise.resolve(5) : new Promise<number | null>(() => {}), 200)
  await l.start()
  await after(2)
  t.same(calls, ['lead 5', 'follow'], 'the watchdog demoted it while the renewal was still pending')
})

t.test('the same holder under a new token stops its jobs before starting them again', async (t) => {
  const answers = [1, 4]
  const { l, calls, after } = harness(async () => answers.length > 1 ? answers.shift()! : answers[0])
  await l.start()
  await after(3)
  t.same(calls.slice(0, 3), ['lead 1', 'follow', 'lead 4'])
  await l.stop()
})
