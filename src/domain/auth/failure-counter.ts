// Failed logins counted per key (a client address, a user name) in fixed windows that start at a key's
// first failure. In process memory; with Redis (MCP_REDIS_URL) the instances' counts are joined through
// `observe` (see login-lockout.ts and adapters/redis-failure-sync.ts). The number of keys is bounded;
// past it the oldest window is forgotten first.

interface Window { count: number, resetAt: number }

export interface CounterOptions {
  /** failures within one window that lock the key until the window ends */
  max: number
  windowMs: number
  /** keys kept at most (default 100,000) */
  maxKeys?: number
  now?: () => number
}

export class FailureCounter {
  readonly max: number
  readonly windowMs: number
  readonly #maxKeys: number
  readonly #now: () => number
  // insertion order is window order: every window has the same length and a key re-enters at the end
  readonly #windows = new Map<string, Window>()

  constructor (opts: CounterOptions) {
    this.max = opts.max
    this.windowMs = opts.windowMs
    this.#maxKeys = opts.maxKeys ?? 100_000
    this.#now = opts.now ?? Date.now
  }

  /** the failures of `key` in its current window */
  count (key: string): number {
    const w = this.#current(key)
    return w ? w.count : 0
  }

  /** milliseconds until `key` may try again; 0 while it is not locked */
  lockedFor (key: string): number {
    const w = this.#current(key)
    return w && w.count >= this.max ? w.resetAt - this.#now() : 0
  }

  /** counts one failure of `key`; returns its failures in the window */
  add (key: string): number {
    const w = this.#current(key)
    if (w) return ++w.count
    this.#windows.delete(key)
    this.#evict()
    this.#windows.set(key, { count: 1, resetAt: this.#now() + this.windowMs })
    return 1
  }

  /**
   * Joins a count seen elsewhere (another instance, through Redis): the key's window holds at least
   * `count` failures and ends at `resetAt`. A window that has already ended is ignored.
   */
  observe (key: string, count: number, resetAt: number): void {
    if (!(resetAt > this.#now()) || !(count > 0)) return
    const w = this.#current(key)
    if (w) {
      if (count > w.count) w.count = count
      w.resetAt = resetAt
      return
    }
    this.#windows.delete(key)
    this.#evict()
    this.#windows.set(key, { count, resetAt })
  }

  /** forgets `key` */
  clear (key: string): void {
    this.#windows.delete(key)
  }

  get size (): number {
    return this.#windows.size
  }

  #current (key: string): Window | undefined {
    const w = this.#windows.get(key)
    return w && w.resetAt > this.#now() ? w : undefined
  }

  /** drops ended windows from the front, then the oldest while there is no room for one more */
  #evict (): void {
    const now = this.#now()
    for (const [key, w] of this.#windows) {
      if (w.resetAt > now && this.#windows.size < this.#maxKeys) break
      this.#windows.delete(key)
    }
  }
}
