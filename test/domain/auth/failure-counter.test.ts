// The windowed failure counter and the lock-out policy on top of it, on a clock the test moves.
import t from 'tap'
import { FailureCounter } from '../../../src/domain/auth/failure-counter.js'
import { LoginLockout } from '../../../src/domain/auth/login-lockout.js'

const clock = () => {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

t.test('a key locks at max failures until its window, started by its first failure, ends', async (t) => {
  const c = clock()
  const counter = new FailureCounter({ max: 3, windowMs: 1000, now: c.now })
  t.equal(counter.add('a'), 1)
  c.advance(400)
  counter.add('a')
  t.equal(counter.lockedFor('a'), 0, 'two of three: not locked')
  counter.add('a')
  t.equal(counter.lockedFor('a'), 600, 'locked for the rest of the window')
  t.equal(counter.lockedFor('b'), 0, 'another key is not')
  c.advance(599)
  t.equal(counter.lockedFor('a'), 1)
  c.advance(1)
  t.equal(counter.lockedFor('a'), 0, 'free when the window ends')
  t.equal(counter.count('a'), 0)
  t.equal(counter.add('a'), 1, 'a new window starts')
})

t.test('the keys kept are bounded: ended windows go first, then the oldest', async (t) => {
  const c = clock()
  const counter = new FailureCounter({ max: 1, windowMs: 1000, maxKeys: 3, now: c.now })
  counter.add('old')
  c.advance(10)
  counter.add('b')
  counter.add('c')
  counter.add('d')
  t.equal(counter.size, 3)
  t.equal(counter.count('old'), 0, 'the oldest was forgotten for the newest')
  t.equal(counter.count('d'), 1)
  c.advance(995)
  counter.add('e')
  t.equal(counter.size, 3)
  t.same(['b', 'c', 'd', 'e'].map((k) => counter.count(k)), [0, 1, 1, 1], 'b made room')
  for (let i = 0; i < 10_000; i++) counter.add('spray-' + i)
  t.equal(counter.size, 3, 'a spray of keys never grows it')
})

const policy = (c: ReturnType<typeof clock>) => new LoginLockout({ addressMax: 3, userMax: 5, tokenMax: 2, windowMs: 60_000, knownAddressMs: 3_600_000, now: c.now })

t.test('Basic failures lock the address at its threshold, and the user at its higher one', async (t) => {
  const c = clock()
  const l = policy(c)
  for (let i = 0; i < 3; i++) l.basicFailed('10.0.0.1', 'admin')
  t.ok(l.basicRetryMs('10.0.0.1', 'admin') > 0, 'the address is locked')
  t.ok(l.basicRetryMs('10.0.0.1', null) > 0, 'for any user name')
  t.equal(l.basicRetryMs('10.0.0.2', 'admin'), 0, 'the user is not, yet (3 of 5)')
  l.basicFailed('10.0.0.2', 'admin')
  l.basicFailed('10.0.0.3', 'admin')
  t.equal(l.basicRetryMs('10.0.0.9', 'admin'), 60_000, '5 from three addresses lock the user everywhere else')
  t.equal(l.basicRetryMs('10.0.0.9', null), 0, 'an unknown name is not locked per user')
  t.same(l.counts('10.0.0.1', 'admin'), { address: 3, user: 5, token: 0 })
  c.advance(60_000)
  t.equal(l.basicRetryMs('10.0.0.1', 'admin'), 0, 'both lift when the window ends')
})

t.test('an address the user logged in from recently is exempt from the per-user lock and does not feed it', async (t) => {
  const c = clock()
  const l = policy(c)
  l.basicSucceeded('192.0.2.7', 'admin')
  for (let i = 0; i < 10; i++) l.basicFailed(`203.0.113.${i}`, 'admin')
  t.ok(l.basicRetryMs('198.51.100.1', 'admin') > 0, 'the attacker locked the user elsewhere')
  t.equal(l.basicRetryMs('192.0.2.7', 'admin'), 0, 'not from where the admin logs in')
  l.basicFailed('192.0.2.7', 'admin')
  l.basicFailed('192.0.2.7', 'admin')
  t.equal(l.counts('192.0.2.7', 'admin').user, 10, "the admin's own typos are not counted per user")
  t.ok(l.isKnown('admin', '192.0.2.7'))
  t.notOk(l.isKnown('other', '192.0.2.7'), 'known per user')
  c.advance(3_600_000)
  t.notOk(l.isKnown('admin', '192.0.2.7'), 'no longer recent')
  t.ok(l.basicRetryMs('192.0.2.7', 'admin') === 0, 'the user lock had ended with its window meanwhile')
})

t.test('bearer failures have their own counter: neither lock blocks the other', async (t) => {
  const c = clock()
  const l = policy(c)
  for (let i = 0; i < 3; i++) l.basicFailed('10.0.0.1', 'admin')
  for (let i = 0; i < 5; i++) l.basicFailed('10.0.0.2', 'admin')
  t.equal(l.tokenRetryMs('10.0.0.1'), 0, 'a locked Basic address may still present a token')
  t.equal(l.tokenRetryMs('10.0.0.2'), 0)
  l.tokenFailed('10.0.0.5')
  l.tokenFailed('10.0.0.5')
  t.ok(l.tokenRetryMs('10.0.0.5') > 0, 'two wrong tokens lock that address for tokens')
  t.equal(l.basicRetryMs('10.0.0.5', null), 0, 'but not for the admin')
})
