// The event reporter: report() puts an event in a bounded in-memory queue and returns at once; one
// sender posts the queue to POST /events in batches, retrying with exponential backoff (or the hub's
// Retry-After) while the hub is unreachable or overloaded. Each event carries the producer id the hub
// de-duplicates on (source + id), so a batch sent twice, after an answer lost on the way, is stored once.
// A full queue drops the new event, counts it and logs it: reporting never blocks nor fails the service.
import { randomUUID } from 'node:crypto'
import { postToHub, type HubConnection } from './hub-request.js'

export type Severity = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'trace' | 'debug' | 'info' | 'warn' | 'warning' | 'error' | 'err' | 'critical' | 'fatal'

/** An event as POST /events takes it (docs/events.md). */
export interface HubEvent {
  /** what happened, e.g. `order.created` */
  type: string
  payload?: unknown
  severity?: Severity
  /** epoch milliseconds or RFC 3339; default: the time report() was called */
  time?: number | string
  /** the emitting service; default: the reporter's `source` */
  source?: string
  /** the producer's id; default: a random UUID. With `source`, the hub stores an id once */
  id?: string
  traceparent?: string
  attributes?: Record<string, unknown>
}

export interface Logger {
  warn (msg: string, fields?: Record<string, unknown>): void
  error (msg: string, fields?: Record<string, unknown>): void
}

export interface ReporterOptions extends HubConnection {
  /** the service's name, sent as every event's `source` unless the event names its own */
  source: string
  /** events held at most; past it report() drops the new event (counted in stats().dropped). Default 10,000 */
  maxQueue?: number
  /** events per POST; keep it at most the hub's MCP_EVENTS_MAX_BATCH (default 500). Default 100 */
  batchSize?: number
  /** a partial batch is sent after this long; default 1000 ms */
  flushIntervalMs?: number
  /** first retry delay, doubled per failure up to maxRetryDelayMs; defaults 500 ms and 30 s */
  retryBaseMs?: number
  maxRetryDelayMs?: number
  /** where drops, refusals and retries are reported; default console */
  logger?: Logger
}

export interface ReporterStats {
  /** events waiting in the queue */
  queued: number
  /** events the hub acknowledged (stored, or already stored) */
  sent: number
  /** events refused by report() because the queue was full, or because the reporter was closed */
  dropped: number
  /** events the hub refused for good (invalid, unauthorised): never retried */
  rejected: number
  /** failed attempts that were retried */
  retries: number
}

export interface FlushResult { drained: boolean, stats: ReporterStats }

const consoleLogger: Logger = {
  warn: (msg, fields) => console.warn(`[mcp-client] ${msg}`, fields ?? ''),
  error: (msg, fields) => console.error(`[mcp-client] ${msg}`, fields ?? ''),
}

interface BatchAnswer { accepted?: unknown[], rejected?: Array<{ index: number, message: string }> }

export function createReporter (opts: ReporterOptions) {
  const maxQueue = opts.maxQueue ?? 10_000
  const batchSize = opts.batchSize ?? 100
  const retryBaseMs = opts.retryBaseMs ?? 500
  const maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000
  const log = opts.logger ?? consoleLogger
  if (!opts.source) throw new TypeError('source is required: the name of the reporting service')
  if (!(maxQueue >= 1) || !(batchSize >= 1)) throw new TypeError('maxQueue and batchSize must be at least 1')

  const queue: HubEvent[] = []
  const stats = { sent: 0, dropped: 0, rejected: 0, retries: 0 }
  let droppedSinceLog = 0
  let closed = false
  let sending = false
  let failures = 0
  /** the hub asked to wait until then (Retry-After): flush() does not cut that short */
  let hubWaitUntil = 0
  let wake: (() => void) | null = null
  let idle: Array<() => void> = []

  const timer = setInterval(() => { if (queue.length > 0) void send() }, opts.flushIntervalMs ?? 1000)
  timer.unref()

  function snapshot (): ReporterStats { return { queued: queue.length, ...stats } }

  function report (event: HubEvent): boolean {
    if (closed || queue.length >= maxQueue) {
      stats.dropped++
      if (droppedSinceLog++ === 0) log.warn(closed ? 'reporter closed: event dropped' : `event queue full (${maxQueue}): dropping events`, { type: event.type })
      return false
    }
    queue.push({ ...event, source: event.source ?? opts.source, id: event.id ?? randomUUID(), time: event.time ?? Date.now() })
    if (queue.length >= batchSize) void send()
    return true
  }

  function pause (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      t.unref()
      function done () { clearTimeout(t); wake = null; resolve() }
      wake = done
    })
  }

  function settle (answer: BatchAnswer | null, batch: HubEvent[]) {
    const rejected = answer?.rejected ?? []
    stats.sent += answer?.accepted?.length ?? 0
    stats.rejected += rejected.length
    if (rejected.length > 0) log.error(`hub refused ${rejected.length} of ${batch.length} events`, { first: rejected[0].message })
  }

  async function send (): Promise<void> {
    if (sending) return
    sending = true
    try {
      // close() may set `closed` while a request is in flight: checked on every round
      for (;;) {
        if (queue.length === 0 || closed) break
        const batch = queue.slice(0, batchSize)
        const answer = await postToHub(opts, '/events', batch)
        if (answer.kind === 'retry') {
          stats.retries++
          const backoff = Math.min(maxRetryDelayMs, retryBaseMs * 2 ** Math.min(failures++, 20))
          const waitMs = Math.max(answer.retryAfterMs ?? 0, backoff * (0.5 + Math.random() / 2))
          hubWaitUntil = answer.retryAfterMs === null ? 0 : Date.now() + answer.retryAfterMs
          if (failures === 1) log.warn(`hub unavailable, retrying: ${answer.message}`, { queued: queue.length })
          await pause(waitMs)
          continue
        }
        queue.splice(0, batch.length)
        if (failures > 0) log.warn(`hub reachable again after ${failures} failed attempts`, { queued: queue.length })
        failures = 0
        hubWaitUntil = 0
        if (droppedSinceLog > 1) log.warn(`${droppedSinceLog} events were dropped while the queue was full`)
        droppedSinceLog = 0
        if (answer.kind === 'ok') settle(answer.body as BatchAnswer, batch)
        else if (answer.status === 400 && Array.isArray((answer.body as BatchAnswer | null)?.rejected)) settle(answer.body as BatchAnswer, batch)
        else {
          stats.rejected += batch.length
          log.error(`hub refused a batch of ${batch.length} events: ${answer.message}`)
        }
      }
    } finally {
      sending = false
      const waiting = idle
      idle = []
      for (const resolve of waiting) resolve()
    }
  }

  /** Sends everything queued now (a hub-requested Retry-After still holds); resolves once the queue is
   * empty or after timeoutMs (default 10 s), whichever comes first. Never rejects. */
  async function flush (timeoutMs = 10_000): Promise<FlushResult> {
    // once closed nothing is sent any more: what is left stays undelivered
    if (closed) return { drained: queue.length === 0, stats: snapshot() }
    const deadline = Date.now() + timeoutMs
    while (queue.length > 0 && Date.now() < deadline) {
      if (Date.now() >= hubWaitUntil) wake?.()
      const drained = new Promise<void>((resolve) => { idle.push(resolve) })
      void send()
      let t: NodeJS.Timeout | undefined
      await Promise.race([drained, new Promise<void>((resolve) => { t = setTimeout(resolve, Math.max(0, Math.min(200, deadline - Date.now()))) })])
      clearTimeout(t)
    }
    return { drained: queue.length === 0, stats: snapshot() }
  }

  /** Flushes (bounded by timeoutMs), then stops: later report() calls are dropped and counted. */
  async function close (timeoutMs = 10_000): Promise<FlushResult> {
    const result = await flush(timeoutMs)
    closed = true
    clearInterval(timer)
    wake?.()
    if (!result.drained) log.error(`closing with ${queue.length} events not delivered`)
    return result
  }

  return { report, flush, close, stats: snapshot }
}

export type Reporter = ReturnType<typeof createReporter>
