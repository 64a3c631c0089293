// The producer's time of an event, a task or an audit entry, as clients of the original design send
// it: epoch milliseconds (`Date.now()`) or an RFC 3339 string. One parser, so that every door names a
// bad time the same way. Pure.

/** The earliest and latest producer times accepted: the Unix epoch to the end of year 9999. */
export const PRODUCER_TIME_MIN = 0
export const PRODUCER_TIME_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** by month, 1-based; February of a common year */
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

export interface ProducerTime {
  /** milliseconds since the epoch */
  ms: number
  /** what is stored: an RFC 3339 string as sent, epoch milliseconds as an ISO 8601 UTC string */
  text: string
}

/** The producer time, or the reason it is refused as the end of a sentence starting with the field's path. */
export function parseProducerTime (value: unknown): ProducerTime | string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'must be an integer of epoch milliseconds or an RFC 3339 string'
    if (value < PRODUCER_TIME_MIN || value > PRODUCER_TIME_MAX) return `is out of range: epoch milliseconds from ${PRODUCER_TIME_MIN} to ${PRODUCER_TIME_MAX} (1970 to 9999)`
    return { ms: value, text: new Date(value).toISOString() }
  }
  if (typeof value !== 'string') return 'must be epoch milliseconds (a number) or an RFC 3339 string'
  const m = RFC3339.exec(value)
  if (!m) return 'must be an RFC 3339 date-time, e.g. 2026-11-25T10:00:00Z, or epoch milliseconds'
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number)
  const offsetHours = m[8] ? Number(m[8]) : 0
  const offsetMinutes = m[9] ? Number(m[9]) : 0
  // Date.parse rolls 30 February over into March: check the calendar first
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const lastDay = month === 2 && leap ? 29 : DAYS_IN_MONTH[month]
  if (month < 1 || month > 12 || day < 1 || day > lastDay || hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) {
    return `is not a valid date-time: ${value.slice(0, 40)}`
  }
  // a leap second is read as the last second of its minute
  const ms = Date.parse(second === 60 ? value.replace(/:60(?=[.Zz+-])/, ':59') : value)
  if (Number.isNaN(ms)) return `is not a valid date-time: ${value.slice(0, 40)}`
  if (ms < PRODUCER_TIME_MIN || ms > PRODUCER_TIME_MAX) return 'is out of range: from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z'
  return { ms, text: value }
}
