// PostgreSQL failures in the port's terms: a database that cannot be reached, that is restarting, or
// that killed our connection is `unavailable` (503 with Retry-After), never a hung request or a 500.
import { DomainError } from '../../domain/shared/errors.js'

/** The database cannot serve right now; the caller answers 503 with Retry-After. */
export class StoreUnavailableError extends DomainError {
  override name = 'StoreUnavailableError'
  constructor (override readonly cause?: unknown, retryAfterSeconds = 2) {
    super('unavailable', 'the database is unavailable; retry shortly', {}, retryAfterSeconds)
  }
}

// Node socket errors and the postgres driver's own codes for a lost or refused connection.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
])
// SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P0x (operator
// intervention: admin shutdown, crash shutdown, cannot connect now, database dropped) and 57014 (a
// statement cancelled by the pool's statement_timeout: a stuck database answers 503, not a hung
// request). 40001/40P01 are not here: serialisation failures and deadlocks are the caller's to retry.
// 55MCF: a write of a leader whose lease was taken over, refused by the fence (cluster.ts); retried, it
// goes through once this instance knows it follows.
const SQLSTATE_UNAVAILABLE = /^(08|53|57P0|57014$|55MCF$)/

export function isUnavailable (err: unknown): boolean {
  const e = err as { code?: unknown, errno?: unknown }
  if (typeof e?.code !== 'string') return false
  return CONNECTION_CODES.has(e.code) || SQLSTATE_UNAVAILABLE.test(e.code)
}

/** Runs `fn`, turning a lost or refused database into StoreUnavailableError. */
export async function guarded<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (isUnavailable(err)) throw new StoreUnavailableError(err)
    throw err
  }
}

/**
 * Codes that say the database cannot be reached (refused, silent, or the network resetting connections),
 * not that one backend was ended (57P01, CONNECTION_CLOSED): they open the breaker.
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECT_TIMEOUT', '57P03'])

export type Guard = <T>(fn: () => Promise<T>) => Promise<T>

/**
 * A pool's circuit breaker. While the database cannot be reached, the driver keeps some calls waiting
 * for a connection past any bound and runs them once it is back (postgres 3.4: a transaction issued after
 * a failed query, queries queued beyond the pool's size). So after a call fails because the database is
 * unreachable, every call is refused at once as unavailable (503 with Retry-After), without reaching the
 * driver, while one probe (`SELECT 1`, bounded in time) checks every `probeMs` whether it is back; the
 * first probe that answers closes the breaker. A backend ended alone (pg_terminate_backend) does not
 * open it: the pool reconnects and the next call succeeds. A call the driver holds past `deadlineMs`
 * (connect timeout plus statement timeout: it can only be waiting for a connection that will not come)
 * is answered unavailable and opens the breaker; the driver may still run it once the database is
 * back, as it may any call whose answer was lost with its connection.
 */
export function poolGuard (sql: { (strings: TemplateStringsArray): PromiseLike<unknown> }, opts: { probeMs?: number, probeTimeoutMs?: number, deadlineMs?: number } = {}): Guard & { readonly open: boolean, close (): void } {
  const probeMs = opts.probeMs ?? 500
  const probeTimeoutMs = opts.probeTimeoutMs ?? 2_000
  const deadlineMs = opts.deadlineMs ?? 40_000
  let open = false
  let closed = false
  let timer: NodeJS.Timeout | undefined

  const probe = async () => {
    timer = undefined
    if (closed) return
    let bound: NodeJS.Timeout | undefined
    const answered = await Promise.race([
      Promise.resolve(sql`SELECT 1`).then(() => true, () => false),
      new Promise<boolean>((resolve) => { bound = setTimeout(() => resolve(false), probeTimeoutMs) }),
    ])
    clearTimeout(bound)
    if (answered) open = false
    else if (!closed) timer = setTimeout(probe, probeMs)
  }
  const trip = () => {
    if (open) return
    open = true
    timer = setTimeout(probe, probeMs)
  }

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (open) throw new StoreUnavailableError()
    let deadline: NodeJS.Timeout | undefined
    try {
      return await Promise.race([fn(), new Promise<never>((_resolve, reject) => {
        deadline = setTimeout(() => reject(Object.assign(new Error('no connection within the deadline'), { code: 'CONNECT_TIMEOUT' })), deadlineMs)
      })])
    } catch (err) {
      if (!isUnavailable(err)) throw err
      if (UNREACHABLE.has((err as { code: string }).code)) trip()
      throw new StoreUnavailableError(err)
    } finally {
      clearTimeout(deadline)
    }
  }
  return Object.assign(guard, {
    get open () { return open },
    close () { closed = true; clearTimeout(timer) },
  })
}
