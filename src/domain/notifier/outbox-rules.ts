// The outbox's pure rules: when a failed message is tried again (exponential backoff up to a cap,
// until the message's maximum age), and whether a channel's rate budget has room.

export interface RetryPolicy {
  /** delay before the second attempt */
  baseMs: number
  /** longest delay between two attempts */
  maxDelayMs: number
  /** a message older than this is given up (outcome `expired`) */
  maxAgeMs: number
}

/** Delay after the `attempts`-th failed attempt (1-based): base, 2·base, 4·base, … capped. */
export function retryDelay (attempts: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxDelayMs'>): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 40)
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** exp)
}

export type AfterFailure = { status: 'pending', nextAttemptAt: number } | { status: 'expired' }

/** What becomes of a message after a failed attempt: retried later, or expired past its maximum age. */
export function afterFailure (createdAt: number, attempts: number, now: number, policy: RetryPolicy): AfterFailure {
  const next = now + retryDelay(attempts, policy)
  if (next - createdAt > policy.maxAgeMs) return { status: 'expired' }
  return { status: 'pending', nextAttemptAt: next }
}

/**
 * The rate budget: `max` messages per `windowMs`, counted over the messages created in the window.
 * Returns 0 when a message may be created now, else the time at which room opens.
 */
export function budgetOpensAt (recentCreatedAt: number[], max: number, windowMs: number, now: number): number {
  const inWindow = recentCreatedAt.filter((t) => t > now - windowMs).sort((a, b) => a - b)
  if (inWindow.length < max) return 0
  // room opens when enough of the oldest leave the window
  return inWindow[inWindow.length - max] + windowMs
}
