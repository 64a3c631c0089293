// Who is locked out of logging in, and for how long. Three counters, each with its own threshold:
// - Basic-auth failures per client address (MCP_LOGIN_FAILURE_MAX): one address guessing passwords;
// - Basic-auth failures per user name (MCP_LOGIN_USER_FAILURE_MAX, higher): many addresses guessing one
//   user's password. It is not applied to the addresses that user logged in from recently
//   (MCP_LOGIN_KNOWN_ADDRESS_MS), nor counted there, so an attacker elsewhere cannot lock the admin out;
// - bearer-token failures per client address (MCP_TOKEN_FAILURE_MAX): a locked Basic-auth user or
//   address never blocks a valid token, and a service with a wrong token never blocks the admin.
// A request without credentials is a challenge, not a failure: callers do not count it.
// With a `sync` (Redis, MCP_REDIS_URL) every failure and every known address is shared with the other
// instances; the checks stay synchronous and local, on counts joined from all of them.
import { FailureCounter } from './failure-counter.js'

export type CounterName = 'address' | 'user' | 'token'
/** What another instance saw: a failure count (with its window's end) or a successful login. */
export type SharedFailure =
  | { counter: CounterName, key: string, count: number, resetAt: number }
  | { known: { user: string, address: string, at: number } }

/** Shares failures between instances; `listen` hands over what the others (and this one) shared. */
export interface FailureSync {
  /** counts one failure of `key` in the shared store and tells every instance the new count */
  failed (counter: CounterName, key: string, windowMs: number): void
  /** tells every instance that `user` logged in from `address` */
  succeeded (user: string, address: string, at: number): void
  listen (apply: (seen: SharedFailure) => void): void
}

export interface LockoutPolicy {
  addressMax: number
  userMax: number
  tokenMax: number
  windowMs: number
  /** how long a successful login makes its address known for that user */
  knownAddressMs: number
  /** keys each counter keeps at most */
  maxKeys?: number
  now?: () => number
  /** shares failures with the other instances (Redis); none: this instance counts alone */
  sync?: FailureSync
}

/** The known addresses kept per hub (each is one successful login). */
const MAX_KNOWN = 10_000

export class LoginLockout {
  readonly #addresses: FailureCounter
  readonly #users: FailureCounter
  readonly #tokens: FailureCounter
  /** `${user}\n${address}` → when that user last logged in from there; insertion order is age */
  readonly #known = new Map<string, number>()
  readonly #knownMs: number
  readonly #now: () => number
  readonly #windowMs: number
  readonly #sync: FailureSync | undefined

  constructor (policy: LockoutPolicy) {
    const { windowMs, maxKeys, now = Date.now } = policy
    this.#addresses = new FailureCounter({ max: policy.addressMax, windowMs, maxKeys, now })
    this.#users = new FailureCounter({ max: policy.userMax, windowMs, maxKeys, now })
    this.#tokens = new FailureCounter({ max: policy.tokenMax, windowMs, maxKeys, now })
    this.#knownMs = policy.knownAddressMs
    this.#now = now
    this.#windowMs = windowMs
    this.#sync = policy.sync
    this.#sync?.listen((seen) => { this.#apply(seen) })
  }

  #counter (name: CounterName): FailureCounter {
    return name === 'address' ? this.#addresses : name === 'user' ? this.#users : this.#tokens
  }

  #apply (seen: SharedFailure): void {
    if ('known' in seen) { this.#remember(seen.known.user, seen.known.address, seen.known.at); return }
    this.#counter(seen.counter).observe(seen.key, seen.count, seen.resetAt)
  }

  #failed (name: CounterName, key: string): void {
    this.#counter(name).add(key)
    this.#sync?.failed(name, key, this.#windowMs)
  }

  #remember (user: string, address: string, at: number): void {
    const key = user + '\n' + address
    if ((this.#known.get(key) ?? -Infinity) >= at) return
    this.#known.delete(key)
    this.#known.set(key, at)
    if (this.#known.size > MAX_KNOWN) this.#known.delete(this.#known.keys().next().value as string)
  }

  /**
   * Milliseconds until a Basic-auth login from `address` may be tried again (0: now). `user` is the
   * key of the user name given (the caller may hash it), null when there is none.
   */
  basicRetryMs (address: string, user: string | null): number {
    const byAddress = this.#addresses.lockedFor(address)
    const byUser = user !== null && !this.isKnown(user, address) ? this.#users.lockedFor(user) : 0
    return Math.max(byAddress, byUser)
  }

  basicFailed (address: string, user: string | null): void {
    this.#failed('address', address)
    if (user !== null && !this.isKnown(user, address)) this.#failed('user', user)
  }

  basicSucceeded (address: string, user: string): void {
    const at = this.#now()
    this.#remember(user, address, at)
    this.#sync?.succeeded(user, address, at)
  }

  /** whether `user` logged in from `address` within the known-address time */
  isKnown (user: string, address: string): boolean {
    const at = this.#known.get(user + '\n' + address)
    return at !== undefined && this.#now() - at < this.#knownMs
  }

  /** milliseconds until a bearer token from `address` may be tried again (0: now) */
  tokenRetryMs (address: string): number {
    return this.#tokens.lockedFor(address)
  }

  tokenFailed (address: string): void {
    this.#failed('token', address)
  }

  /** the failures counted now: for a metric or a test */
  counts (address: string, user?: string): { address: number, user: number, token: number } {
    return { address: this.#addresses.count(address), user: user === undefined ? 0 : this.#users.count(user), token: this.#tokens.count(address) }
  }
}
