// Network failures in the classes the API reports, for probes and notification sends alike: an error
// (undici's, node:net's, the outbound guard's, nested in causes) mapped by its codes, never its text.
import { BlockedTargetError } from '../target-guard.js'

export type NetworkErrorClass = 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'blocked' | 'error'

function codesOf (err: unknown): string[] {
  const codes: string[] = []
  const seen = new Set<unknown>()
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return
    seen.add(e)
    const x = e as { code?: unknown, originalCode?: unknown, name?: unknown, cause?: unknown, errors?: unknown[] }
    if (typeof x.code === 'string') codes.push(x.code)
    // nodemailer puts its own code (ESOCKET) in front of the system's
    if (typeof x.originalCode === 'string') codes.push(x.originalCode)
    if (typeof x.name === 'string') codes.push(x.name)
    walk(x.cause)
    if (Array.isArray(x.errors)) x.errors.forEach(walk)
  }
  walk(err)
  return codes
}

/** Maps a network error to the error classes the API reports. */
export function classifyError (err: unknown): NetworkErrorClass {
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
