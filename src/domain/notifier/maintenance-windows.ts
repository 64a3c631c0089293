// Recurring maintenance windows: weekdays and a time of day in an IANA time zone. A window whose end
// is at or before its start runs past midnight into the next day.
import { WEEKDAYS, type MaintenanceWindowT, type Weekday } from '../../schemas/notifier.js'
import { matchesService } from './alert-machine.js'

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter (timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  return f
}

export function isTimeZone (tz: string): boolean {
  try { formatter(tz); return true } catch { return false }
}

/** Weekday and minute of the day of `at` in `timeZone`. */
export function localTime (at: number, timeZone: string): { weekday: Weekday, minute: number } {
  const parts = formatter(timeZone).formatToParts(new Date(at))
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  const weekday = get('weekday').toLowerCase().slice(0, 3) as Weekday
  return { weekday, minute: Number(get('hour')) * 60 + Number(get('minute')) }
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
const previousDay = (d: Weekday): Weekday => WEEKDAYS[(WEEKDAYS.indexOf(d) + 6) % 7]

/** Whether the window is open at `at` (ms). */
export function windowOpen (w: Pick<MaintenanceWindowT, 'weekdays' | 'start' | 'end' | 'timeZone'>, at: number): boolean {
  const { weekday, minute } = localTime(at, w.timeZone ?? 'UTC')
  const start = minutes(w.start)
  const end = minutes(w.end)
  if (end > start) return w.weekdays.includes(weekday) && minute >= start && minute < end
  // past midnight: open from start on a listed day, until end on the day after
  return (w.weekdays.includes(weekday) && minute >= start) || (w.weekdays.includes(previousDay(weekday)) && minute < end)
}

/** The first window open for this service at `at`, if any. */
export function openWindowFor (windows: readonly MaintenanceWindowT[], service: string, tags: readonly string[], at: number): MaintenanceWindowT | undefined {
  return windows.find((w) => matchesService(w, service, tags) && windowOpen(w, at))
}
