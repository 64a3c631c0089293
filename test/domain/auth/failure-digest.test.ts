// Failed logins aggregated for the audit trail: one summary per address and window, bounded.
import t from 'tap'
import { FailureDigest, type FailedLogin } from '../../../src/domain/auth/failure-digest.js'

const clock = () => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  return { now: () => now, advance: (ms: number) => { now += ms } }
}
const fail = (over: Partial<FailedLogin> = {}): FailedLogin => ({ ip: '10.0.0.1', user: null, route: '/audit', scheme: 'basic', locked: false, requestId: 'r1', ...over })

t.test('one summary per address, written when its window ends, with the count', async (t) => {
  const c = clock()
  const d = new FailureDigest({ windowMs: 60_000, now: c.now })
  d.add(fail({ requestId: 'first', user: 'admin' }))
  for (let i = 0; i < 2999; i++) d.add(fail({ requestId: `r${i}`, user: 'admin' }))
  d.add(fail({ ip: '10.0.0.2', scheme: 'bearer', route: '/mcp' }))
  c.advance(30_000)
  d.add(fail({ locked: true, route: '/events' }))
  t.same(d.due(), [], 'nothing before the window ends')
  c.advance(30_000)
  const out = d.due()
  t.equal(out.length, 2, 'one per address')
  t.same(out[0], {
    ip: '10.0.0.1',
    count: 3001,
    locked: 1,
    basic: 3001,
    bearer: 0,
    users: ['admin'],
    routes: ['/audit', '/events'],
    addresses: 1,
    firstAt: '2026-01-01T00:00:00.000Z',
    lastAt: '2026-01-01T00:00:30.000Z',
    firstRequestId: 'first',
  })
  t.match(out[1], { ip: '10.0.0.2', count: 1, bearer: 1, basic: 0, users: [], routes: ['/mcp'] })
  t.equal(d.size, 0)
  t.same(d.due(), [], 'each is written once')
  d.add(fail())
  t.equal(d.size, 1, 'the next failure opens a new window')
})

t.test('drain hands over the windows still open (on close)', async (t) => {
  const c = clock()
  const d = new FailureDigest({ windowMs: 60_000, now: c.now })
  d.add(fail())
  d.add(fail({ ip: '10.0.0.3' }))
  t.same(d.drain().map((s) => [s.ip, s.count]), [['10.0.0.1', 1], ['10.0.0.3', 1]])
  t.same(d.drain(), [])
})

t.test('bounded: past maxAddresses one overflow summary counts the rest; names are bounded too', async (t) => {
  const c = clock()
  const d = new FailureDigest({ windowMs: 1000, maxAddresses: 3, maxNames: 2, now: c.now })
  for (let i = 0; i < 100; i++) d.add(fail({ ip: `10.1.0.${i}`, route: `/r${i % 5}`, user: String(i % 3) + 'u'.repeat(500) }))
  t.equal(d.size, 4, 'three addresses and the overflow')
  c.advance(1000)
  const out = d.due()
  const overflow = out.find((s) => s.ip === null)
  t.match(overflow, { count: 97, addresses: 3 }, 'the overflow counts failures, and addresses up to the bound')
  t.equal(overflow!.routes.length, 2)
  t.equal(overflow!.users.length, 2)
  t.ok(overflow!.users.every((u) => u.length === 200), 'each name cut to 200 characters')
})
