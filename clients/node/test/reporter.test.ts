// The event reporter against a real hub (the app from the repo's sources on a temp SQLite dir, listening
// on 127.0.0.1): events queued while the hub is down reach it once it is back, each stored once; the
// queue bound holds and drops are counted and logged; Retry-After is honoured; refusals are not retried.
import t from 'tap'
import { createReporter, parseRetryAfter } from '../src/index.js'
import { waitFor } from '../../../test/fixtures/wait.js'
import { eventsOf, freePort, recordingLogger, startHub, tempDir } from './fixtures/hub.js'

const fast = { retryBaseMs: 20, maxRetryDelayMs: 200, flushIntervalMs: 20 }

t.test('events reported while the hub is down survive its restart and are stored once', async (t) => {
  const dataDir = tempDir(t)
  const first = await startHub(t, {}, { dataDir })
  const { port, url } = first
  const logger = recordingLogger()
  const reporter = createReporter({ url, source: 'order', logger, ...fast })
  t.teardown(() => reporter.close(0))

  reporter.report({ type: 'order.created', payload: { n: 0 } })
  t.same((await reporter.flush()).drained, true, 'sent while the hub is up')
  await first.app.close()

  for (let n = 1; n <= 5; n++) t.equal(reporter.report({ type: 'order.created', payload: { n }, severity: 'info' }), true)
  await waitFor(() => reporter.stats().retries >= 2, { message: 'the reporter to retry against the stopped hub' })
  t.equal(reporter.stats().queued, 5, 'nothing is lost while the hub is down')
  t.ok(logger.lines.some((l) => l.level === 'warn' && /hub unavailable, retrying/.test(l.msg)), 'the outage is logged')

  const second = await startHub(t, {}, { dataDir, port })
  const result = await reporter.flush()
  t.equal(result.drained, true)
  t.match(result.stats, { queued: 0, sent: 6, dropped: 0, rejected: 0 })
  const events = await eventsOf(second.app, 'order')
  t.equal(events.length, 6, 'every event stored, none twice')
  t.same(events.map((e) => (e.payload as { n: number }).n).sort(), [0, 1, 2, 3, 4, 5])
  t.equal(new Set(events.map((e) => e.producerId)).size, 6, 'each carries its own producer id')
  t.ok(events.every((e) => e.producerId.length > 0 && e.source === 'order'))
  t.equal(events.find((e) => (e.payload as { n: number }).n === 3)?.severity, 'INFO')
})

t.test('a batch sent twice is stored once: the producer id is the idempotency key', async (t) => {
  const hub = await startHub(t)
  const reporter = createReporter({ url: hub.url, source: 'cart', logger: recordingLogger(), ...fast })
  t.teardown(() => reporter.close(0))
  reporter.report({ type: 'cart.updated', id: 'cart-42-v1' })
  await reporter.flush()
  reporter.report({ type: 'cart.updated', id: 'cart-42-v1' })
  reporter.report({ type: 'cart.updated', id: 'cart-42-v2' })
  const { stats } = await reporter.flush()
  t.equal(stats.sent, 3, 'a duplicate is acknowledged as sent')
  const events = await eventsOf(hub.app, 'cart')
  t.same(events.map((e) => e.producerId).sort(), ['cart-42-v1', 'cart-42-v2'])
})

t.test('the queue bound holds: past maxQueue report() drops, counts and logs, and never blocks', async (t) => {
  const port = await freePort()
  const logger = recordingLogger()
  const reporter = createReporter({ url: `http://127.0.0.1:${port}`, source: 'wishlist', maxQueue: 5, batchSize: 2, logger, ...fast })
  t.teardown(() => reporter.close(0))
  const answers = Array.from({ length: 8 }, (_, n) => reporter.report({ type: 'wishlist.added', payload: { n } }))
  t.same(answers, [true, true, true, true, true, false, false, false])
  t.match(reporter.stats(), { queued: 5, dropped: 3 })
  t.equal(logger.lines.filter((l) => /queue full/.test(l.msg)).length, 1, 'one warning per burst of drops, not one per event')

  const hub = await startHub(t, {}, { port })
  const { drained, stats } = await reporter.flush()
  t.equal(drained, true)
  t.match(stats, { queued: 0, sent: 5, dropped: 3 })
  t.ok(logger.lines.some((l) => /3 events were dropped/.test(l.msg)), 'the total dropped is logged once the hub answers')
  t.same((await eventsOf(hub.app, 'wishlist')).map((e) => (e.payload as { n: number }).n).sort(), [0, 1, 2, 3, 4], 'the first five, the ones queued')
})

t.test('429 with Retry-After: the reporter waits as told, then delivers', async (t) => {
  // one ingest request per second per address: the second batch gets 429 with Retry-After: 1
  const hub = await startHub(t, { ingestRateLimitMax: 1, rateLimitWindowMs: 1000 })
  const reporter = createReporter({ url: hub.url, source: 'product', batchSize: 1, retryBaseMs: 1, maxRetryDelayMs: 5, flushIntervalMs: 10, logger: recordingLogger() })
  t.teardown(() => reporter.close(0))
  for (let n = 0; n < 3; n++) reporter.report({ type: 'product.viewed', payload: { n } })
  const { drained, stats } = await reporter.flush(15_000)
  t.equal(drained, true)
  t.equal(stats.sent, 3)
  t.ok(stats.retries >= 1, 'the hub did refuse with 429')
  // Without Retry-After, a 1 ms backoff would retry dozens of times in each one-second window.
  t.ok(stats.retries <= 4, `one retry per window, as Retry-After asks (retries: ${stats.retries})`)
  t.equal((await eventsOf(hub.app, 'product')).length, 3)
})

t.test('refusals are final: invalid events and a missing token are counted, logged, not retried', async (t) => {
  const token = 'kit-test-token-0123456789'
  const hub = await startHub(t, { ingestTokens: [token] })
  const logger = recordingLogger()
  const anonymous = createReporter({ url: hub.url, source: 'auth', logger, ...fast })
  t.teardown(() => anonymous.close(0))
  anonymous.report({ type: 'auth.login' })
  const refused = await anonymous.flush()
  t.match(refused.stats, { queued: 0, sent: 0, rejected: 1, retries: 0 })
  t.ok(logger.lines.some((l) => l.level === 'error' && /HTTP 401/.test(l.msg)))

  const reporter = createReporter({ url: hub.url, token, source: 'auth', logger, ...fast })
  t.teardown(() => reporter.close(0))
  reporter.report({ type: 'auth.login', payload: { user: 'ana' } })
  reporter.report({ type: 'auth.login', severity: 'loud' as 'info' })
  const { stats } = await reporter.flush()
  t.match(stats, { queued: 0, sent: 1, rejected: 1, retries: 0 })
  t.ok(logger.lines.some((l) => l.level === 'error' && /refused 1 of 2 events/.test(l.msg)))
  t.equal((await eventsOf(hub.app, 'auth')).length, 1)
})

t.test('close() flushes, then drops later reports; a bounded flush gives up on a hub that stays down', async (t) => {
  t.setTimeout(45_000) // a flush after close that waited its whole minute would fail here
  const hub = await startHub(t)
  const reporter = createReporter({ url: hub.url, source: 'order', logger: recordingLogger(), flushIntervalMs: 60_000 })
  reporter.report({ type: 'order.shipped' })
  const closed = await reporter.close()
  t.match(closed, { drained: true, stats: { sent: 1 } })
  t.equal(reporter.report({ type: 'order.late' }), false)
  t.equal(reporter.stats().dropped, 1)
  t.equal((await eventsOf(hub.app, 'order')).length, 1)

  const down = createReporter({ url: `http://127.0.0.1:${await freePort()}`, source: 'order', logger: recordingLogger(), ...fast })
  down.report({ type: 'order.created' })
  const gaveUp = await down.close(300)
  t.match(gaveUp, { drained: false, stats: { queued: 1, sent: 0 } })
  t.match(await down.flush(60_000), { drained: false, stats: { queued: 1 } }, 'a flush after close answers at once')
})

t.test('Retry-After in seconds or as an HTTP date', async (t) => {
  const now = Date.parse('2026-12-03T10:00:00Z')
  t.equal(parseRetryAfter('5', now), 5000)
  t.equal(parseRetryAfter('Thu, 03 Dec 2026 10:00:07 GMT', now), 7000)
  t.equal(parseRetryAfter('Thu, 03 Dec 2026 09:00:00 GMT', now), 0)
  t.equal(parseRetryAfter(null, now), null)
  t.equal(parseRetryAfter('soon', now), null)
})
