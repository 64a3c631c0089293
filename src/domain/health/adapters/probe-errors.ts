// Probe failures in words the API reports: a network error (undici's, node:net's, the guard's, nested
// in causes) mapped to an error class, and a short message.
export { classifyError } from '../../shared/adapters/network-errors.js'

/** The probe's own deadline passed (classified as 'timeout'). */
export class ProbeTimeout extends Error {
  override name = 'ProbeTimeout'
  readonly code = 'ERR_PROBE_TIMEOUT'
}

/** The error's message with its cause's, capped at 500 characters. */
export function messageOf (err: unknown): string {
  const e = err as { message?: string, code?: string, cause?: { message?: string, code?: string } }
  const base = e?.message || e?.code || String(err)
  const cause = e?.cause?.message || e?.cause?.code
  return (cause && !base.includes(cause) ? `${base}: ${cause}` : base).slice(0, 500)
}
