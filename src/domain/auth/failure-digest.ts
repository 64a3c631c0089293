// Failed logins, aggregated for the audit trail: one summary per client address and window
// (MCP_AUTH_AUDIT_WINDOW_MS), with the count, so that a password-guessing client adds one entry a
// window instead of one per guess. A window starts at an address's first failure; the owner flushes
// the windows that ended (`due`) on a timer and all of them (`drain`) on close. Memory is bounded: past
// `maxAddresses` open windows, further addresses share one overflow summary (address null).

export interface FailedLogin {
  /** the client address, as the trusted-proxy setting derives it */
  ip: string
  /** the user name given, when it names a real user; null otherwise */
  user: string | null
  route: string
  scheme: 'basic' | 'bearer'
  /** refused while locked out (429) rather than checked and found wrong (401) */
  locked: boolean
  requestId: string
}

export interface FailureSummary {
  /** null for the overflow summary of many addresses */
  ip: string | null
  /** the failed logins in the window; `locked` of them were refused while locked out */
  count: number
  locked: number
  /** by scheme */
  basic: number
  bearer: number
  /** distinct, at most `maxNames` each */
  users: string[]
  routes: string[]
  /** distinct addresses (1 but for the overflow summary) */
  addresses: number
  firstAt: string
  lastAt: string
  /** the request of the first failure, to find it in the logs */
  firstRequestId: string
}

interface Bucket {
  summary: FailureSummary
  endsAt: number
  ips?: Set<string>
}

export interface DigestOptions {
  windowMs: number
  maxAddresses?: number
  maxNames?: number
  now?: () => number
}

const OVERFLOW = '\n'

export class FailureDigest {
  readonly #windowMs: number
  readonly #maxAddresses: number
  readonly #maxNames: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor (opts: DigestOptions) {
    this.#windowMs = opts.windowMs
    this.#maxAddresses = opts.maxAddresses ?? 10_000
    this.#maxNames = opts.maxNames ?? 10
    this.#now = opts.now ?? Date.now
  }

  add (f: FailedLogin): void {
    const now = this.#now()
    let key = f.ip
    if (!this.#buckets.has(key) && this.#buckets.size >= this.#maxAddresses) key = OVERFLOW
    let b = this.#buckets.get(key)
    if (!b) {
      const at = new Date(now).toISOString()
      b = {
        endsAt: now + this.#windowMs,
        summary: { ip: key === OVERFLOW ? null : f.ip, count: 0, locked: 0, basic: 0, bearer: 0, users: [], routes: [], addresses: 0, firstAt: at, lastAt: at, firstRequestId: f.requestId },
        ...(key === OVERFLOW ? { ips: new Set<string>() } : {}),
      }
      this.#buckets.set(key, b)
    }
    const s = b.summary
    s.count++
    if (f.locked) s.locked++
    s[f.scheme]++
    s.lastAt = new Date(now).toISOString()
    if (f.user !== null) this.#note(s.users, f.user)
    this.#note(s.routes, f.route)
    if (b.ips) {
      if (b.ips.size < this.#maxAddresses) b.ips.add(f.ip)
      s.addresses = b.ips.size
    } else {
      s.addresses = 1
    }
  }

  /** removes and returns the summaries whose window has ended */
  due (): FailureSummary[] {
    const now = this.#now()
    const out: FailureSummary[] = []
    for (const [key, b] of this.#buckets) {
      if (b.endsAt > now) continue
      this.#buckets.delete(key)
      out.push(b.summary)
    }
    return out
  }

  /** removes and returns every summary, ended or not (on close) */
  drain (): FailureSummary[] {
    const out = [...this.#buckets.values()].map((b) => b.summary)
    this.#buckets.clear()
    return out
  }

  /** open windows */
  get size (): number {
    return this.#buckets.size
  }

  #note (list: string[], value: string): void {
    const v = value.slice(0, 200)
    if (list.length < this.#maxNames && !list.includes(v)) list.push(v)
  }
}
