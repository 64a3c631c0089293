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
