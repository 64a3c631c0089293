// The read models of health monitoring: the fleet report, one service's detail with its uptime
// windows, check history and incidents (cursor paging), and daily uptime for the fleet view.
// Reads only: current states come from memory, the past from the store.
import type { ServiceDefinitionT } from '../../schemas/health.js'
import { UPTIME_WINDOWS } from '../../schemas/health.js'
import type { DailyUptime } from '../../store/ports/health.js'
import type { Store } from '../../store/ports/store.js'
import { cursorCodec } from '../shared/cursor.js'
import { notFound } from '../shared/errors.js'
import type { ServiceState } from '../shared/names.js'
import type { MonitoredService } from './monitored-service.js'
import { checkView, incidentView, iso, statusView, type CheckServicesView, type ServiceStatusView, type UptimeView } from './views.js'

const DAY = 86_400_000

/** A day without checks in the uptime bars' codes. */
const NO_CHECKS = '-'
interface PastBar { codes: string, checks: number, good: number }

/**
 * One UTC day of a service's uptime bar as one character: `u` every check up, `g` some degraded and
 * none down, `s` some down but under 5 % of the checks, `d` down 5 % or more; `-` no checks.
 */
export function dayCode (c: { total: number, degraded: number, down: number }): string {
  if (c.total === 0) return NO_CHECKS
  if (c.down === 0) return c.degraded === 0 ? 'u' : 'g'
  return c.down / c.total < 0.05 ? 's' : 'd'
}

/** Each service's codes for the `count` finished days from `from`, and its checks over them. */
function pastBarsOf (rows: readonly DailyUptime[], from: number, count: number): Map<string, PastBar> {
  const codes = new Map<string, { chars: string[], checks: number, good: number }>()
  for (const r of rows) {
    let b = codes.get(r.service)
    if (!b) codes.set(r.service, b = { chars: new Array<string>(count).fill(NO_CHECKS), checks: 0, good: 0 })
    const i = (r.day - from) / DAY
    if (i < 0 || i >= count) continue
    b.chars[i] = dayCode(r)
    b.checks += r.total
    b.good += r.up + r.degraded
  }
  return new Map([...codes].map(([name, b]) => [name, { codes: b.chars.join(''), checks: b.checks, good: b.good }]))
}

const checkCursor = cursorCodec('h1.')
const incidentCursor = cursorCodec('i1.')

export interface HealthReadsOptions {
  services: ReadonlyMap<string, MonitoredService>
  store: Store
  now: () => number
}

export function createHealthReads (opts: HealthReadsOptions) {
  const { services, store, now } = opts
  let pastDays: { from: number, today: number, rows: DailyUptime[] } | null = null
  // the bars of the finished days, derived once from `pastDays` (the same object while it holds)
  let pastBars: { of: DailyUptime[], bars: Map<string, PastBar> } | null = null

  /** The finished days' rows, read once per day and window. */
  async function finishedDays (days: number) {
    const today = Math.floor(now() / DAY) * DAY
    const from = today - (days - 1) * DAY
    // Finished days no longer change: they are read once per day and window, and only today's
    // counts are read on each call (a 90-day fleet is ~180,000 day rows; today is one per service).
    if (!pastDays || pastDays.from !== from || pastDays.today !== today) {
      pastDays = { from, today, rows: await store.health.uptimeByDay(from, today) }
    }
    return pastDays
  }

  function mustGet (name: string): MonitoredService {
    const e = services.get(name)
    if (!e) throw notFound(`no service named "${name}"`)
    return e
  }

  function report (): CheckServicesView {
    const list = [...services.values()].sort((a, b) => a.def.name.localeCompare(b.def.name)).map(statusView)
    let newest: number | null = null
    for (const e of services.values()) { const at = e.state.lastCheck?.at; if (at !== undefined && (newest === null || at > newest)) newest = at }
    return {
      healthy: list.filter((s) => s.state === 'up').length,
      degraded: list.filter((s) => s.state === 'degraded').length,
      unhealthy: list.filter((s) => s.state === 'down').length,
      total: list.length,
      checkedAt: newest === null ? null : iso(newest),
      services: list,
    }
  }

  return {
    /** The aggregate from the latest stored results; nothing is probed. */
    report,

    /** name and state of every service, unsorted (the metrics uptime refresh) */
    states: (): Array<{ name: string, state: ServiceState }> => [...services.values()].map((e) => ({ name: e.def.name, state: e.state.state })),

    /** the same, one call per service and nothing allocated: the read behind each metrics scrape */
    eachState (visit: (name: string, state: ServiceState) => void): void {
      for (const e of services.values()) visit(e.def.name, e.state.state)
    },

    get (name: string): { status: ServiceStatusView, definition: ServiceDefinitionT } | undefined {
      const e = services.get(name)
      return e ? { status: statusView(e), definition: e.def } : undefined
    },

    getState: (name: string): ServiceState | undefined => services.get(name)?.state.state,

    /** Detail of one service: status, definition, uptime windows from the rollups, open incident. */
    async detail (name: string) {
      const e = mustGet(name)
      const t = now()
      const keys = Object.keys(UPTIME_WINDOWS) as Array<keyof typeof UPTIME_WINDOWS>
      const counts = await store.health.uptime(name, keys.map((k) => t - UPTIME_WINDOWS[k] * DAY))
      const uptime = Object.fromEntries(keys.map((k, i) => {
        const c = counts[i]
        return [k, { ratio: c.total ? (c.up + c.degraded) / c.total : null, checks: c.total, up: c.up, degraded: c.degraded, down: c.down }]
      })) as Record<keyof typeof UPTIME_WINDOWS, UptimeView>
      const incident = e.state.incidentId ? await store.health.getIncident(e.state.incidentId) : undefined
      return { status: statusView(e), definition: e.def, uptime, currentIncident: incident ? incidentView(incident) : null }
    },

    /**
     * Every service's check counts per UTC day for the last `days` days (today included), from the
     * hourly rollups in one read: the fleet view's uptime bars. A day is `[index, checks, up, degraded,
     * down]`, index 0 = `from`; days without checks are left out.
     */
    async uptimeDays (days: number) {
      const { from, today, rows: past } = await finishedDays(days)
      const byService = new Map<string, Array<[number, number, number, number, number]>>()
      for (const r of [...past, ...await store.health.uptimeByDay(today)]) {
        if (!services.has(r.service)) continue
        let list = byService.get(r.service)
        if (!list) byService.set(r.service, list = [])
        list.push([(r.day - from) / DAY, r.total, r.up, r.degraded, r.down])
      }
      return {
        from: iso(from).slice(0, 10),
        days,
        services: [...services.keys()].sort().map((name) => ({ name, days: byService.get(name) ?? [] })),
      }
    },

    /**
     * The fleet view's uptime bars, compact: per service one character per UTC day (`dayCode`) and its
     * checks and good (up or degraded) checks over the window. The finished days' part is built once per
     * day and window from the daily table; only today's rows are read on each call.
     */
    async uptimeBars (days: number) {
      const { from, rows: past } = await finishedDays(days)
      if (pastBars?.of !== past) pastBars = { of: past, bars: pastBarsOf(past, from, days - 1) }
      const todays = new Map((await store.health.uptimeByDay(from + (days - 1) * DAY)).map((r) => [r.service, r]))
      const none = { codes: NO_CHECKS.repeat(days - 1), checks: 0, good: 0 }
      return {
        from: iso(from).slice(0, 10),
        days,
        services: [...services.keys()].sort().map((name) => {
          const b = pastBars!.bars.get(name) ?? none
          const t = todays.get(name)
          return t
            ? { name, checks: b.checks + t.total, good: b.good + t.up + t.degraded, codes: b.codes + dayCode(t) }
            : { name, checks: b.checks, good: b.good, codes: b.codes + NO_CHECKS }
        }),
      }
    },

    /** A removed service's cached past days go with it, so one re-created under its name starts afresh. */
    forgetPastDays () {
      pastDays = null
      pastBars = null
    },

    async history (name: string, q: { since?: string, until?: string, cursor?: string, limit: number }) {
      mustGet(name)
      const beforeSeq = q.cursor ? checkCursor.decodeSeq(q.cursor) : undefined
      const rows = await store.health.history(name, {
        since: q.since ? Date.parse(q.since) : undefined, until: q.until ? Date.parse(q.until) : undefined, beforeSeq, limit: q.limit + 1,
      })
      const page = rows.slice(0, q.limit)
      return { checks: page.map(checkView), nextCursor: rows.length > q.limit ? checkCursor.encode(page[page.length - 1].seq!) : null }
    },

    async incidents (name: string, q: { cursor?: string, limit: number }) {
      mustGet(name)
      const beforeId = q.cursor ? incidentCursor.decodeText(q.cursor) : undefined
      const rows = await store.health.incidents(name, { beforeId, limit: q.limit + 1 })
      const page = rows.slice(0, q.limit)
      return { incidents: page.map(incidentView), nextCursor: rows.length > q.limit ? incidentCursor.encode(page[page.length - 1].id) : null }
    },
  }
}

export type HealthReads = ReturnType<typeof createHealthReads>
