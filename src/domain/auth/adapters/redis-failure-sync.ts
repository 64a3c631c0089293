// Failed-login counters shared through Redis: each failure is one INCR of `<prefix>fail:<counter>:<key>`
// (its window set by the first failure, PEXPIRE NX), and the count it answers is published on
// `<prefix>auth` to every instance, this one included, which joins it into its local counter. Checks
// stay local and synchronous: a lock reached through other instances is known here within one publish.
// An instance that starts later learns a key's count at that key's next failure (the INCR answers the
// total). Redis being down costs nothing but the sharing: errors are counted and logged once.
import type { Redis } from 'ioredis'
import type { CounterName, FailureSync, SharedFailure } from '../login-lockout.js'

const COUNTERS = new Set<CounterName>(['address', 'user', 'token'])
/** bound on one message's strings (addresses and digests are far shorter) */
const MAX_FIELD = 512

/** Reads a published message; anything malformed is ignored (never trusted to crash the hub). */
export function parseShared (text: string): SharedFailure | null {
  let m: unknown
  try { m = JSON.parse(text) } catch { return null }
  if (typeof m !== 'object' || m === null) return null
  const o = m as Record<string, unknown>
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
  if (COUNTERS.has(o.c as CounterName) && str(o.k) && num(o.n) && num(o.r)) return { counter: o.c as CounterName, key: o.k, count: o.n, resetAt: o.r }
  if (o.c === 'known' && str(o.u) && str(o.a) && num(o.t)) return { known: { user: o.u, address: o.a, at: o.t } }
  return null
}

export interface RedisFailureSyncOptions {
  redis: Redis
  prefix: string
  /** told once per outage, and when Redis answers again */
  onError?: (err: Error) => void
}

export function redisFailureSync ({ redis, prefix, onError }: RedisFailureSyncOptions): FailureSync & { close (): void, subscribed (boundMs: number): Promise<boolean> } {
  const channel = `${prefix}auth`
  // a subscriber may queue its SUBSCRIBE until it is connected (the shared connection may not queue)
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null })
  let failing = false
  const fail = (err: Error) => { if (!failing) onError?.(err); failing = true }
  const ok = () => { failing = false }
  let onSubscribed: () => void = () => {}
  const subscribedOnce = new Promise<void>((resolve) => { onSubscribed = resolve })
  const publish = (message: object) => { redis.publish(channel, JSON.stringify(message)).then(ok, fail) }

  return {
    failed (counter, key, windowMs) {
      const k = `${prefix}fail:${counter}:${key}`
      redis.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec().then((res) => {
        if (!res) return
        const count = Number(res[0][1])
        const ttl = Number(res[2][1])
        if (!(count > 0) || !(ttl > 0)) return
        ok()
        publish({ c: counter, k: key, n: count, r: Date.now() + ttl })
      }, fail)
    },
    succeeded (user, address, at) {
      publish({ c: 'known', u: user, a: address, t: at })
    },
    listen (apply) {
      subscriber.on('message', (ch: string, text: string) => {
        if (ch !== channel) return
        const seen = parseShared(text)
        if (seen) apply(seen)
      })
      subscriber.on('error', fail)
      subscriber.subscribe(channel).then(onSubscribed, fail)
    },
    /** whether the subscription is in place, waiting at most `boundMs` for it */
    async subscribed (boundMs) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), boundMs) })
      try { return await Promise.race([subscribedOnce.then(() => true), timeout]) } finally { clearTimeout(timer) }
    },
    close () { subscriber.disconnect() },
  }
}
