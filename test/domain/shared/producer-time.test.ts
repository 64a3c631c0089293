import t from 'tap'
import { PRODUCER_TIME_MAX, parseProducerTime } from '../../../src/domain/shared/producer-time.js'

t.test('epoch milliseconds become an ISO string of the same instant', async (t) => {
  t.same(parseProducerTime(1234567890), { ms: 1234567890, text: '1970-01-15T06:56:07.890Z' }, "the original design's sample")
  t.same(parseProducerTime(1764756000000), { ms: 1764756000000, text: '2025-12-03T10:00:00.000Z' })
  t.same(parseProducerTime(0), { ms: 0, text: '1970-01-01T00:00:00.000Z' })
  t.same(parseProducerTime(PRODUCER_TIME_MAX), { ms: PRODUCER_TIME_MAX, text: '9999-12-31T23:59:59.999Z' })
})

t.test('RFC 3339 strings are kept as sent, their instant read', async (t) => {
  t.same(parseProducerTime('2026-11-25T10:00:00Z'), { ms: Date.UTC(2026, 10, 25, 10), text: '2026-11-25T10:00:00Z' })
  t.same(parseProducerTime('2026-11-25T12:00:00.123456+02:00'), { ms: Date.UTC(2026, 10, 25, 10, 0, 0, 123), text: '2026-11-25T12:00:00.123456+02:00' })
  t.same(parseProducerTime('2024-02-29t00:00:00z'), { ms: Date.UTC(2024, 1, 29), text: '2024-02-29t00:00:00z' }, 'lower-case t and z, a leap day')
  t.same((parseProducerTime('2016-12-31T23:59:60Z') as { ms: number }).ms, Date.UTC(2016, 11, 31, 23, 59, 59), 'a leap second is its minute\'s last second')
})

t.test('a bad time is refused with the reason', async (t) => {
  const refused: Array<[unknown, RegExp]> = [
    [-1, /out of range/],
    [PRODUCER_TIME_MAX + 1, /out of range/],
    [Number.POSITIVE_INFINITY, /integer/],
    [Number.NaN, /integer/],
    [1.5, /integer/],
    ['yesterday', /RFC 3339/],
    ['1234567890', /RFC 3339/],
    ['2026-11-25', /RFC 3339/],
    ['2026-11-25T10:00:00', /RFC 3339/],
    ['2026-02-30T00:00:00Z', /not a valid date-time/],
    ['2025-02-29T00:00:00Z', /not a valid date-time/],
    ['2026-13-01T00:00:00Z', /not a valid date-time/],
    ['2026-01-01T24:00:00Z', /not a valid date-time/],
    ['2026-01-01T10:00:00+25:00', /not a valid date-time/],
    ['1969-12-31T23:59:59Z', /out of range/],
    [true, /epoch milliseconds/],
    [null, /epoch milliseconds/],
    [{ ms: 1 }, /epoch milliseconds/],
  ]
  for (const [value, reason] of refused) {
    const out = parseProducerTime(value)
    t.type(out, 'string', `${JSON.stringify(value)} is refused`)
    t.match(out, reason)
  }
})
