// Probe failures in words the API reports: a network error (undici's, node:net's, the guard's, nested
// in causes) mapped to an error class, and a short message.
import { BlockedTargetError } from '../../shared/target-guard.js'
import type { ErrorClass } from './probe-types.js'

/** The probe's own deadline passed (classified as 'timeout'). */
export class ProbeTimeout extends Error {
  override name = 'ProbeTimeout'
  readonly code = 'ERR_PROBE_TIMEOUT'
}

function codesOf (err: unknown): string[] {
  const codes: string[] = []
  const seen = new Set<unknown>()
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return
    seen.add(e)
    const x = e as { code?: unknown, name?: unknown, cause?: unknown, errors?: unknown[] }
    if (typeof x.code === 'string') codes.push(x.code)
    if (typeof x.name === 'string') codes.push(x.name)
    walk(x.cause)
    if (Array.isArray(x.errors)) x.errors.forEach(walk)
  }
  walk(err)
  return codes
}

/** Maps a network error to the error classes the API reports. */
export function classifyError (err: unknown): ErrorClass {
  const codes = codesOf(err)
  const has = (...c: string[]) => codes.some((x) => c.includes(x))
  if (err instanceof BlockedTargetError || has('ERR_PROBE_BLOCKED', 'BlockedTargetError')) return 'blocked'
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError', 'ERR_PROBE_TIMEOUT')) return 'timeout'
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME')) return 'dns'
  if (has('ECONNREFUSED')) return 'refused'
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || c.includes('CERT') || c === 'DEPTH_ZERO_SELF_SIGNED_CERT' || c === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || c === 'SELF_SIGNED_CERT_IN_CHAIN')) return 'tls'
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED')) return 'reset'
  return 'error'
}

/** The error's message with its cause's, capped at 500 characters. */
export function messageOf (err: unknown): string {
  const e = err as { message?: string, code?: string, cause?: { message?: string, code?: string } }
  const base = e?.message || e?.code || String(err)
  const cause = e?.cause?.message || e?.cause?.code
  return (cause && !base.includes(cause) ? `${base}: ${cause}` : base).slice(0, 500)
}
