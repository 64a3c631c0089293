// The one error the domain throws: a kind that says what went wrong in the caller's terms, and a
// message naming the field or limit at fault. The error plugin maps kinds to HTTP statuses (and the
// MCP endpoint to tool errors); nothing below the shell knows about status codes.
export const ERROR_KINDS = ['invalid', 'not_found', 'conflict', 'too_large', 'unavailable'] as const
export type ErrorKind = typeof ERROR_KINDS[number]

export class DomainError extends Error {
  override name = 'DomainError'
  constructor (
    readonly kind: ErrorKind,
    message: string,
    /** extra fields of the error response, e.g. `{ line: 3 }` or the rejected items of a batch */
    readonly details: Record<string, unknown> = {},
    /** for `unavailable`: when to try again */
    readonly retryAfterSeconds?: number
  ) { super(message) }
}

export const invalid = (message: string, details?: Record<string, unknown>) => new DomainError('invalid', message, details)
export const notFound = (message: string) => new DomainError('not_found', message)
export const conflict = (message: string) => new DomainError('conflict', message)
export const tooLarge = (message: string) => new DomainError('too_large', message)
export const unavailable = (message: string, retryAfterSeconds: number) => new DomainError('unavailable', message, {}, retryAfterSeconds)

export const isDomainError = (err: unknown, kind?: ErrorKind): err is DomainError =>
  err instanceof DomainError && (kind === undefined || err.kind === kind)
