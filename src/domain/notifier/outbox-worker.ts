// The outbox worker: groups pending notices into one message per channel within its rate budget, sends
// due messages with retries and records every attempt. Runs a round each tick and whenever it is woken.
import type { Dispatcher } from 'undici'
import { notFound } from '../shared/errors.js'
import { afterFailure, budgetOpensAt, type RetryPolicy } from './outbox-rules.js'
import { buildPayload, groupKind, type AlertSnapshot, type MessageKind } from './notification.js'
import { sendNotification, type ResolveHost, type SendResult } from './adapters/senders.js'
import { durably, type StoreWrites } from './store-writes.js'
import type { NewDelivery, NotifierStore, OutboxItem, OutboxMessage } from '../../store/ports/notifier.js'
import type { ChannelT } from '../../schemas/notifier.js'

export interface OutboxSettings {
  groupWindowMs: number
  retry: RetryPolicy
  rateBudget: number
  rateWindowMs: number
  tickMs: number
  sendTimeoutMs: number
  userAgent: string
}

export interface OutboxWorkerOptions {
  store: NotifierStore
  dispatcher: Dispatcher
  resolveHost: ResolveHost
  log: { warn (o: object, m: string): void, error (o: object, m: string): void }
  settings: OutboxSettings
  writes: StoreWrites
  nextId (now: number): string
  channel (id: string): ChannelT | undefined
  /** the first step of every round: the alert engine's review, which may queue notices */
  beforeRound (now: number): Promise<void>
}

type MessageUpdate = Pick<OutboxMessage, 'status' | 'attempts' | 'nextAttemptAt' | 'sentAt' | 'lastError'>
type Attempt = SendResult & { outcome: NewDelivery['outcome'] }

/** Runs nothing until start(): its options may point at units built after it. */
/** A message as first written to the outbox: pending, due now, never tried. */
function pendingMessage (id: string, channelId: string, kind: MessageKind, alerts: AlertSnapshot[], alertIds: string[], now: number): OutboxMessage {
  return {
    id,
    channelId,
    kind,
    payload: buildPayload(id, kind, channelId, now, alerts),
    alertIds,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    sentAt: null,
    lastError: null,
  }
}

export function createOutboxWorker (o: OutboxWorkerOptions) {
  const { store, log, settings, writes, nextId } = o
  /** deliveries by channel and outcome since start, for metrics */
  const deliveryCounts = new Map<string, number>()
  const inFlight = new Set<string>()
  /** channels whose grouped notices are held back by the rate budget: the next message is a summary */
  const held = new Set<string>()
  // rounds run only between start() and stop(): on the leader
  let closed = true

  /** Groups due notices into one message per channel, within the channel's rate budget. */
  async function groupNotices (now: number) {
    const byChannel = new Map<string, OutboxItem[]>()
    for (const item of await store.pendingItems()) {
      const list = byChannel.get(item.channelId) ?? []
      list.push(item)
      byChannel.set(item.channelId, list)
    }
    for (const [channelId, items] of byChannel) {
      if (now < items[0].createdAt + settings.groupWindowMs) continue
      const budget = o.channel(channelId)?.maxPerMinute ?? settings.rateBudget
      const times = await store.messageTimes(channelId, now - settings.rateWindowMs)
      if (budgetOpensAt(times, budget, settings.rateWindowMs, now) > 0) { held.add(channelId); continue }
      // one line per alert: its latest notice (a firing then resolved alert shows as resolved, with both times)
      const latest = new Map<string, AlertSnapshot>()
      for (const i of items) latest.set(i.alertId, i.snapshot as AlertSnapshot)
      const alerts = [...latest.values()]
      const kind = held.has(channelId) ? 'summary' : groupKind(alerts)
      const id = nextId(now)
      const message = pendingMessage(id, channelId, kind, alerts, [...latest.keys()], now)
      await writes.track(store.enqueue(message, items.map((i) => i.id)))
      held.delete(channelId)
    }
  }

  function countDelivery (channelId: string, outcome: string) {
    const k = `${channelId}\u0000${outcome}`
    deliveryCounts.set(k, (deliveryCounts.get(k) ?? 0) + 1)
  }

  /** Sends the message unless it is too old or its channel is gone or disabled; says what becomes of it. */
  async function sendOnce (m: OutboxMessage, attemptNo: number, now: number, retry: boolean): Promise<{ result: SendResult, outcome: Attempt['outcome'], update: MessageUpdate }> {
    const channel = o.channel(m.channelId)
    if (retry && now - m.createdAt > settings.retry.maxAgeMs) {
      // e.g. the hub was down longer than the maximum age: a notice that old is given up, not sent late
      const result = { ok: false, statusCode: null, error: `older than the maximum age (${settings.retry.maxAgeMs} ms); not sent`, durationMs: 0 }
      return { result, outcome: 'expired', update: { status: 'expired', attempts: m.attempts, nextAttemptAt: m.nextAttemptAt, sentAt: null, lastError: result.error } }
    }
    if (!channel || channel.enabled === false) {
      const result = { ok: false, statusCode: null, error: channel ? 'the channel is disabled' : 'the channel no longer exists', durationMs: 0 }
      return { result, outcome: 'abandoned', update: { status: 'abandoned', attempts: attemptNo, nextAttemptAt: m.nextAttemptAt, sentAt: null, lastError: result.error } }
    }
    const result = await sendNotification(channel, m.payload as never, { dispatcher: o.dispatcher, resolveHost: o.resolveHost, timeoutMs: settings.sendTimeoutMs, userAgent: settings.userAgent })
    const done = Date.now()
    if (result.ok) return { result, outcome: 'success', update: { status: 'sent', attempts: attemptNo, nextAttemptAt: m.nextAttemptAt, sentAt: done, lastError: null } }
    const next = retry ? afterFailure(m.createdAt, attemptNo, done, settings.retry) : { status: 'abandoned' as const }
    const update: MessageUpdate = { status: next.status, attempts: attemptNo, nextAttemptAt: next.status === 'pending' ? next.nextAttemptAt : m.nextAttemptAt, sentAt: null, lastError: result.error }
    log.warn({ channel: m.channelId, message: m.id, attempt: attemptNo, error: result.error, next: update.status }, 'notification attempt failed')
    return { result, outcome: next.status === 'pending' ? 'failure' : next.status === 'expired' ? 'expired' : 'abandoned', update }
  }

  /** One attempt at one message: sends it, then logs the attempt and updates the message in one write. Never throws. */
  async function attemptDelivery (m: OutboxMessage, opts: { retry: boolean }): Promise<Attempt> {
    const now = Date.now()
    const attemptNo = m.attempts + 1
    const { result, outcome, update } = await sendOnce(m, attemptNo, now, opts.retry)
    countDelivery(m.channelId, outcome)
    try {
      await writes.track(durably(() => store.recordAttempt({
        messageId: m.id,
        channelId: m.channelId,
        kind: m.kind,
        alertIds: m.alertIds,
        attempt: attemptNo,
        at: now,
        outcome,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: Math.round(result.durationMs * 10) / 10,
      }, update)))
      if (update.status !== 'pending') wake() // the channel's next message may go now
    } catch (err) {
      // the send happened but its record did not: it stays pending and may be sent again (receivers dedupe on the message id)
      log.error({ err, message: m.id }, 'notifier: recording a delivery attempt failed')
    }
    return { ...result, outcome }
  }

  async function sendDue (now: number) {
    // on an engine several instances share, each due message is claimed by one (a lease past the send timeout)
    const due = store.claimDue ? await store.claimDue(now, 100, 2 * settings.sendTimeoutMs + settings.tickMs) : await store.dueMessages(now, 100)
    for (const m of due) {
      if (inFlight.has(m.id)) continue
      inFlight.add(m.id)
      writes.track(attemptDelivery(m, { retry: true }).finally(() => inFlight.delete(m.id)))
    }
  }

  let ticking: Promise<void> | null = null
  let again = false
  /** One round: review the firing alerts, group due notices, send due messages; a round asked for meanwhile runs right after. */
  async function tick () {
    if (closed) return
    if (ticking) { again = true; return }
    ticking = (async () => {
      try {
        do {
          again = false
          const now = Date.now()
          await o.beforeRound(now)
          await groupNotices(now)
          await sendDue(now)
          // eslint-disable-next-line no-unmodified-loop-condition -- close() sets it while a round awaits
        } while (again && !closed)
      } catch (err) {
        log.error({ err }, 'notifier tick failed')
      } finally {
        ticking = null
      }
    })()
    await ticking
  }

  let wakeTimer: NodeJS.Immediate | null = null
  function wake () {
    if (closed || wakeTimer) return
    wakeTimer = setImmediate(() => { wakeTimer = null; void tick() })
  }

  let timer: NodeJS.Timeout | null = null

  return {
    tick,
    wake,
    /** Runs rounds on the clock; after stop() it may start again (this instance leads again). */
    start () {
      closed = false
      if (timer) clearInterval(timer)
      timer = setInterval(() => { void tick() }, settings.tickMs)
      timer.unref()
      wake()
    },
    /** Stops the rounds and waits for the current one; the writes it started are the caller's to wait for. */
    async stop () {
      closed = true
      if (timer) clearInterval(timer)
      timer = null
      if (wakeTimer) clearImmediate(wakeTimer)
      wakeTimer = null
      await ticking
    },
    /** Writes a test message to the outbox, sends it once, and answers with the attempt's result. */
    async sendTest (channelId: string) {
      if (!o.channel(channelId)) throw notFound(`no channel with id ${channelId}`)
      const now = Date.now()
      const messageId = nextId(now)
      const message = pendingMessage(messageId, channelId, 'test', [], [], now)
      inFlight.add(messageId)
      try {
        await writes.track(store.enqueue(message, []))
        const r = await attemptDelivery(message, { retry: false })
        return { ok: r.ok, messageId, statusCode: r.statusCode, error: r.error, durationMs: Math.round(r.durationMs * 10) / 10 }
      } finally { inFlight.delete(messageId) }
    },
    /** Deliveries by channel and outcome since start. */
    deliveryCounts: () => [...deliveryCounts].map(([k, n]) => { const [channel, outcome] = k.split('\u0000'); return { channel, outcome, count: n } }),
  }
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>
